#pragma once
// Iteration over K tensors of one shape with arbitrary (possibly zero)
// strides: dimensions that can be merged are merged, then the work is split
// into rows along the innermost dimension and rows are spread over threads.
// Used by copies, casts and broadcasting elementwise kernels.

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "c2am/core/shape.hpp"

namespace c2am::cpu {

// Below this many elements a kernel runs on one thread: spawning costs more.
inline constexpr std::int64_t kParallelGrain = 32768;

template <int K>
struct StridedRows {
  std::vector<std::int64_t> outer_sizes;                    // all but the innermost dimension
  std::vector<std::array<std::int64_t, K>> outer_strides;   // per operand, per outer dimension
  std::int64_t inner_size = 1;
  std::array<std::int64_t, K> inner_strides{};
  std::int64_t rows = 1;

  // Base element offset of each operand for row `row`.
  std::array<std::int64_t, K> row_offsets(std::int64_t row) const {
    std::array<std::int64_t, K> offsets{};
    for (std::size_t d = outer_sizes.size(); d-- > 0;) {
      const std::int64_t i = row % outer_sizes[d];
      row /= outer_sizes[d];
      for (int k = 0; k < K; ++k) offsets[k] += i * outer_strides[d][k];
    }
    return offsets;
  }
};

template <int K>
StridedRows<K> make_strided_rows(const Shape& shape, const std::array<const Strides*, K>& strides) {
  // Keep non-trivial dimensions, merging a dimension into the previous one
  // when every operand steps through both as through one.
  // Visit dimensions in the memory order of the last operand (the output
  // of every caller), so that permuted views such as channels-last tensors
  // merge into long rows; elementwise work does not depend on the order.
  std::vector<std::size_t> order(shape.size());
  for (std::size_t d = 0; d < order.size(); ++d) order[d] = d;
  const Strides& out = *strides[K - 1];
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return out[a] > out[b]; });
  std::vector<std::int64_t> sizes;
  std::vector<std::array<std::int64_t, K>> st;
  for (std::size_t d : order) {
    if (shape[d] == 1) continue;
    std::array<std::int64_t, K> s{};
    for (int k = 0; k < K; ++k) s[k] = (*strides[k])[d];
    if (!sizes.empty()) {
      bool mergeable = true;
      for (int k = 0; k < K; ++k) mergeable = mergeable && st.back()[k] == s[k] * shape[d];
      if (mergeable) {
        sizes.back() *= shape[d];
        st.back() = s;
        continue;
      }
    }
    sizes.push_back(shape[d]);
    st.push_back(s);
  }
  StridedRows<K> rows;
  if (!sizes.empty()) {
    rows.inner_size = sizes.back();
    rows.inner_strides = st.back();
    sizes.pop_back();
    st.pop_back();
  }
  rows.outer_sizes = std::move(sizes);
  rows.outer_strides = std::move(st);
  rows.rows = numel_of(rows.outer_sizes);
  if (numel_of(shape) == 0) rows.rows = 0;
  return rows;
}

// Calls body(offsets, inner_size, inner_strides) for every row, in parallel
// when the tensor is large.
template <int K, typename Body>
void for_each_row(const StridedRows<K>& rows, Body&& body) {
  const bool parallel = rows.rows > 1 && rows.rows * rows.inner_size >= kParallelGrain;
#pragma omp parallel for schedule(static) if (parallel)
  for (std::int64_t r = 0; r < rows.rows; ++r) {
    body(rows.row_offsets(r), rows.inner_size, rows.inner_strides);
  }
}

}  // namespace c2am::cpu
