#pragma once
// Permutohedral lattice (Adams, Baek, Davis 2010): Gaussian filtering in a
// d-dimensional feature space in O(N·d²), as used by the dense CRF. Values
// are splatted onto the vertices of the enclosing simplex with barycentric
// weights, blurred with [1 2 1]/… along each of the d+1 lattice axes, and
// sliced back. Filtering runs on all OpenMP threads for large inputs and
// gives the same bits on any number of them. The construction follows the reference dense-CRF code, so
// results match pydensecrf's to float rounding.

#include <cstdint>
#include <vector>

namespace c2am::wsss {

class PermutohedralLattice {
 public:
  static constexpr int kMaxDimension = 16;
  // features: n × d row-major (already scaled by the kernel's 1/σ).
  PermutohedralLattice(const std::vector<float>& features, int n, int d);
  // Vertex values between the passes; kept by the caller across filter()
  // calls so that repeated filtering allocates (and page-faults) once.
  struct Scratch {
    std::vector<float> values, blurred;
  };
  // Per-point scales folded into the passes (each may be null = 1):
  // out_i = out_scale_i · Σ_j K_ij · in_scale_j · in_j, written to `out`, or
  // with `accumulate` added as out += weight · (that) (the CRF's energy).
  struct Scaling {
    const float* in_scale = nullptr;
    const float* out_scale = nullptr;
    bool accumulate = false;
    float weight = 1.0f;
  };
  // out = filtered in; both n × value_size row-major.
  void filter(const float* in, float* out, int value_size, Scratch& scratch, const Scaling& scaling) const;
  void filter(const float* in, float* out, int value_size, Scratch& scratch) const {
    filter(in, out, value_size, scratch, Scaling());
  }
  int vertices() const { return vertices_; }

  // The lattice's arrays as the filter passes read them.
  struct Layout {
    int n, d, vertices;
    const int* offset;
    const float* barycentric;
    const int* splat_start;
    const int* splat_entries;
    const int* neighbour_low;
    const int* neighbour_high;
  };

 private:
  int n_, d_, vertices_ = 0;
  std::vector<int> offset_;          // n × (d+1): vertex index of each corner
  std::vector<float> barycentric_;   // n × (d+1)
  std::vector<int> neighbour_low_, neighbour_high_;  // (d+1) × vertices, −1 when absent
  std::vector<int> splat_start_;    // vertices + 1: each vertex's range in splat_entries_
  std::vector<int> splat_entries_;  // point × (d+1) + corner, grouped by vertex, in point order
};

}  // namespace c2am::wsss
