#include "wsss/permutohedral.hpp"

#include <cmath>
#include <omp.h>

#include <algorithm>

#include "c2am/core/error.hpp"
#include "permutohedral_math.cuh"

namespace c2am::wsss {

namespace {

// Vertex keys (the first d coordinates; the last follows) in one flat array,
// found through an open-addressing table of vertex indices. Vertices are
// numbered in insertion order, so the lattice does not depend on the table.
class VertexTable {
 public:
  VertexTable(int d, std::size_t expected) : d_(d) {
    std::size_t capacity = 64;
    while (capacity < 2 * expected) capacity *= 2;
    slots_.assign(capacity, -1);
    keys_.reserve(expected * static_cast<std::size_t>(d));
  }
  // Index of `key`, −1 when absent. Safe from several threads while nothing is inserted.
  int lookup(const std::int16_t* key) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t h = hash(key) & mask;; h = (h + 1) & mask) {
      const int v = slots_[h];
      if (v < 0) return -1;
      if (same_key(key, &keys_[static_cast<std::size_t>(v) * d_])) return v;
    }
  }
  // Index of `key`, inserted (numbered next) when absent.
  int insert(const std::int16_t* key) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t h = hash(key) & mask;; h = (h + 1) & mask) {
      const int v = slots_[h];
      if (v < 0) {
        slots_[h] = count_;
        keys_.insert(keys_.end(), key, key + d_);
        if (static_cast<std::size_t>(++count_) * 2 > slots_.size()) grow();
        return count_ - 1;
      }
      if (same_key(key, &keys_[static_cast<std::size_t>(v) * d_])) return v;
    }
  }
  int size() const { return count_; }
  const std::int16_t* key(int v) const { return &keys_[static_cast<std::size_t>(v) * d_]; }

 private:
  bool same_key(const std::int16_t* a, const std::int16_t* b) const {
    for (int i = 0; i < d_; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  std::size_t hash(const std::int16_t* key) const {
    std::size_t h = 0;
    for (int i = 0; i < d_; ++i) h = h * 2531011 + static_cast<std::uint16_t>(key[i]);
    return h;
  }
  void grow() {
    std::vector<int> old(slots_.size() * 2, -1);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (int v = 0; v < count_; ++v) {
      std::size_t h = hash(key(v)) & mask;
      while (slots_[h] >= 0) h = (h + 1) & mask;
      slots_[h] = v;
    }
  }

  int d_, count_ = 0;
  std::vector<int> slots_;
  std::vector<std::int16_t> keys_;
};

}  // namespace

PermutohedralLattice::PermutohedralLattice(const std::vector<float>& features, int n, int d) : n_(n), d_(d) {
  check(d >= 1 && d <= kMaxDimension && n >= 1 && features.size() == static_cast<std::size_t>(n) * d, "PermutohedralLattice",
        "bad feature array (", features.size(), " values for ", n, " points of dimension ", d, ")");
  VertexTable table(d, static_cast<std::size_t>(n) * (d + 1) / 4);
  offset_.resize(static_cast<std::size_t>(n) * (d + 1));
  barycentric_.resize(static_cast<std::size_t>(n) * (d + 1));

  // Per point (in parallel): the enclosing simplex's vertex keys and the
  // barycentric weights. Then, in point order so that vertex numbers do not
  // depend on threads, the keys go into the table.
  const std::size_t key_stride = static_cast<std::size_t>(d + 1) * d;
  std::vector<std::int16_t> point_keys(static_cast<std::size_t>(n) * key_stride);
  bool fits = true;
#pragma omp parallel if (n >= 4096)
  {
    std::vector<float> scale(static_cast<std::size_t>(d));
    lattice::blur_scales(d, scale.data());
#pragma omp for schedule(static) reduction(&& : fits)
    for (int k = 0; k < n; ++k)
      fits = lattice::locate_simplex<kMaxDimension>(d, &features[static_cast<std::size_t>(k) * d], scale.data(),
                                                    &point_keys[static_cast<std::size_t>(k) * key_stride],
                                                    &barycentric_[static_cast<std::size_t>(k) * (d + 1)]) &&
             fits;
  }
  check(fits, "PermutohedralLattice", "lattice coordinates beyond 16 bits: the features are too large for the "
        "kernel's width (a σ too small for the image)");
  for (std::size_t e = 0; e < offset_.size(); ++e) offset_[e] = table.insert(&point_keys[e * static_cast<std::size_t>(d)]);
  vertices_ = table.size();
  // Neighbours of every vertex along each lattice axis.
  neighbour_low_.assign(static_cast<std::size_t>(d + 1) * vertices_, -1);
  neighbour_high_.assign(static_cast<std::size_t>(d + 1) * vertices_, -1);
#pragma omp parallel if (vertices_ >= 4096)
  {
    std::vector<std::int16_t> n1(d), n2(d);
#pragma omp for schedule(static)
    for (int v = 0; v < vertices_; ++v) {
      for (int j = 0; j <= d; ++j) {
        lattice::neighbour_keys(d, j, table.key(v), n1.data(), n2.data());
        neighbour_low_[static_cast<std::size_t>(j) * vertices_ + v] = table.lookup(n1.data());
        neighbour_high_[static_cast<std::size_t>(j) * vertices_ + v] = table.lookup(n2.data());
      }
    }
  }
  // Each vertex's contributions (point × corner entries) in point order, for the gather splat.
  splat_start_.assign(static_cast<std::size_t>(vertices_) + 1, 0);
  for (int o : offset_) ++splat_start_[static_cast<std::size_t>(o) + 1];
  for (int v = 0; v < vertices_; ++v) splat_start_[v + 1] += splat_start_[v];
  splat_entries_.resize(offset_.size());
  std::vector<int> next(splat_start_.begin(), splat_start_.end() - 1);
  for (std::size_t e = 0; e < offset_.size(); ++e) splat_entries_[static_cast<std::size_t>(next[offset_[e]]++)] = static_cast<int>(e);
}

namespace {

// The three passes of filter() for `VS` values per point (0: any, `vs`).
// Splat gathers each vertex's contributions in point order, so every sum
// has the same order whatever the number of threads.
template <int VS>
void filter_passes(const PermutohedralLattice::Layout& l, const float* in, float* out, std::size_t vs_runtime,
                   PermutohedralLattice::Scratch& scratch, const PermutohedralLattice::Scaling& scaling) {
  const std::size_t vs = VS > 0 ? static_cast<std::size_t>(VS) : vs_runtime;
  const std::size_t corners = static_cast<std::size_t>(l.d + 1);
  const bool parallel = l.n >= 4096;
  // Slot 0 stands for "no neighbour" and stays zero.
  std::vector<float>& values = scratch.values;
  std::vector<float>& blurred = scratch.blurred;
  values.resize((static_cast<std::size_t>(l.vertices) + 1) * vs);
  blurred.resize(values.size());
  std::fill_n(values.begin(), vs, 0.0f);
  std::fill_n(blurred.begin(), vs, 0.0f);
  if (parallel && omp_get_max_threads() > 1) {
#pragma omp parallel for schedule(static)
    for (int v = 0; v < l.vertices; ++v) {
      float* dst = &values[(static_cast<std::size_t>(v) + 1) * vs];
      for (std::size_t k = 0; k < vs; ++k) dst[k] = 0.0f;
      for (int e = l.splat_start[v]; e < l.splat_start[v + 1]; ++e) {
        const std::size_t entry = static_cast<std::size_t>(l.splat_entries[e]);
        const float w = l.barycentric[entry];
        const std::size_t i = entry / corners;
        const float* src = in + i * vs;
        if (scaling.in_scale) {
          const float s = scaling.in_scale[i];
          for (std::size_t k = 0; k < vs; ++k) dst[k] += w * (src[k] * s);
        } else {
          for (std::size_t k = 0; k < vs; ++k) dst[k] += w * src[k];
        }
      }
    }
  } else {
    // One thread: scatter in point order (reads `in` sequentially). Each
    // vertex receives its contributions in the same order as the gather
    // above, so both give the same bits.
    std::fill(values.begin(), values.end(), 0.0f);
    std::vector<float> scaled(scaling.in_scale ? vs : 0);
    for (int i = 0; i < l.n; ++i) {
      const float* src = in + static_cast<std::size_t>(i) * vs;
      if (scaling.in_scale) {
        for (std::size_t k = 0; k < vs; ++k) scaled[k] = src[k] * scaling.in_scale[i];
        src = scaled.data();
      }
      for (std::size_t j = 0; j < corners; ++j) {
        const std::size_t entry = static_cast<std::size_t>(i) * corners + j;
        float* dst = &values[static_cast<std::size_t>(l.offset[entry] + 1) * vs];
        const float w = l.barycentric[entry];
        for (std::size_t k = 0; k < vs; ++k) dst[k] += w * src[k];
      }
    }
  }
  for (int j = 0; j <= l.d; ++j) {
    const int* low = l.neighbour_low + static_cast<std::size_t>(j) * l.vertices;
    const int* high = l.neighbour_high + static_cast<std::size_t>(j) * l.vertices;
#pragma omp parallel for schedule(static) if (parallel)
    for (int v = 0; v < l.vertices; ++v) {
      const float* self = &values[(static_cast<std::size_t>(v) + 1) * vs];
      const float* a = &values[static_cast<std::size_t>(low[v] + 1) * vs];
      const float* b = &values[static_cast<std::size_t>(high[v] + 1) * vs];
      float* o = &blurred[(static_cast<std::size_t>(v) + 1) * vs];
      for (std::size_t k = 0; k < vs; ++k) o[k] = self[k] + 0.5f * (a[k] + b[k]);
    }
    std::swap(values, blurred);
  }
  const float alpha = 1.0f / (1.0f + std::pow(2.0f, -static_cast<float>(l.d)));
#pragma omp parallel for schedule(static) if (parallel)
  for (int i = 0; i < l.n; ++i) {
    float sum[VS > 0 ? VS : 64];
    std::vector<float> wide(vs > 64 ? vs : 0);
    float* o = vs > 64 ? wide.data() : sum;
    for (std::size_t k = 0; k < vs; ++k) o[k] = 0.0f;
    for (std::size_t j = 0; j < corners; ++j) {
      const std::size_t entry = static_cast<std::size_t>(i) * corners + j;
      const float* value = &values[static_cast<std::size_t>(l.offset[entry] + 1) * vs];
      const float w = l.barycentric[entry] * alpha;
      for (std::size_t k = 0; k < vs; ++k) o[k] += w * value[k];
    }
    const float s = scaling.out_scale ? scaling.out_scale[i] : 1.0f;
    float* dst = out + static_cast<std::size_t>(i) * vs;
    if (scaling.accumulate) {
      for (std::size_t k = 0; k < vs; ++k) dst[k] += scaling.weight * (o[k] * s);
    } else {
      for (std::size_t k = 0; k < vs; ++k) dst[k] = o[k] * s;
    }
  }
}

}  // namespace

void PermutohedralLattice::filter(const float* in, float* out, int value_size, Scratch& scratch,
                                  const Scaling& scaling) const {
  const Layout l{n_, d_, vertices_, offset_.data(), barycentric_.data(), splat_start_.data(), splat_entries_.data(),
                 neighbour_low_.data(), neighbour_high_.data()};
  const std::size_t vs = static_cast<std::size_t>(value_size);
  switch (value_size) {
    case 1: return filter_passes<1>(l, in, out, vs, scratch, scaling);
    case 2: return filter_passes<2>(l, in, out, vs, scratch, scaling);
    default: return filter_passes<0>(l, in, out, vs, scratch, scaling);
  }
}

}  // namespace c2am::wsss
