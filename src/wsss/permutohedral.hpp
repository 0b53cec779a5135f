#pragma once
// Permutohedral lattice (Adams, Baek, Davis 2010): Gaussian filtering in a
// d-dimensional feature space in O(N·d²), as used by the dense CRF. Values
// are splatted onto the vertices of the enclosing simplex with barycentric
// weights, blurred with [1 2 1]/… along each of the d+1 lattice axes, and
// sliced back. The construction follows the reference dense-CRF code, so
// results match pydensecrf's to float rounding.

#include <cstdint>
#include <vector>

namespace c2am::wsss {

class PermutohedralLattice {
 public:
  // features: n × d row-major (already scaled by the kernel's 1/σ).
  PermutohedralLattice(const std::vector<float>& features, int n, int d);
  // out = filtered in; both n × value_size row-major.
  void filter(const float* in, float* out, int value_size) const;
  int vertices() const { return vertices_; }

 private:
  int n_, d_, vertices_ = 0;
  std::vector<int> offset_;          // n × (d+1): vertex index of each corner
  std::vector<float> barycentric_;   // n × (d+1)
  std::vector<int> neighbour_low_, neighbour_high_;  // (d+1) × vertices, −1 when absent
};

}  // namespace c2am::wsss
