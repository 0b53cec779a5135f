// The layout simplification the CUDA elementwise kernels run before each
// launch (kernels/strided.cuh): collapsing dimensions never moves an element,
// dense operands become one stride-1 dimension, and 32-bit indexing is chosen
// only when every index and offset fits.

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "strided.cuh"

using c2am::cuda::detail::choose_indexing;
using c2am::cuda::detail::collapse_dimensions;
using c2am::cuda::detail::element_offset;
using c2am::cuda::detail::Indexing;
using c2am::cuda::detail::StridedLayout;

namespace {

// Row-major strides of `sizes`, scaled by `step` (a view of every step-th element).
StridedLayout dense_layout(const std::vector<std::int64_t>& sizes, std::int64_t step = 1) {
  StridedLayout l;
  l.rank = static_cast<int>(sizes.size());
  std::int64_t stride = step;
  for (int d = l.rank - 1; d >= 0; --d) {
    l.sizes[d] = sizes[d];
    l.strides[d] = stride;
    stride *= sizes[d];
  }
  return l;
}

std::int64_t element_count(const StridedLayout& l) {
  std::int64_t n = 1;
  for (int d = 0; d < l.rank; ++d) n *= l.sizes[d];
  return n;
}

// Offsets by an independent loop over multi-indices (no division).
std::vector<std::int64_t> offsets_by_loop(const StridedLayout& l) {
  std::vector<std::int64_t> out;
  std::vector<std::int64_t> index(static_cast<std::size_t>(l.rank), 0);
  const std::int64_t n = element_count(l);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t offset = 0;
    for (int d = 0; d < l.rank; ++d) offset += index[d] * l.strides[d];
    out.push_back(offset);
    for (int d = l.rank - 1; d >= 0; --d) {
      if (++index[d] < l.sizes[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

std::vector<std::int64_t> offsets_by_layout(const StridedLayout& l, std::int64_t n) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < n; ++i) out.push_back(element_offset(l, i));
  return out;
}

}  // namespace

TEST_CASE("collapsing dimensions moves no element of any operand", "[strided]") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> rank_of(0, 6), size_of(1, 4), coin(0, 3);
  for (int trial = 0; trial < 400; ++trial) {
    const int rank = rank_of(rng);
    std::vector<std::int64_t> sizes;
    for (int d = 0; d < rank; ++d) sizes.push_back(size_of(rng));
    // Operand 0: dense or every other element; operand 1: broadcast along
    // random dimensions; operand 2: a random permutation of dense strides.
    StridedLayout layouts[3] = {dense_layout(sizes, coin(rng) == 0 ? 2 : 1), dense_layout(sizes),
                                dense_layout(sizes)};
    for (int d = 0; d < rank; ++d)
      if (coin(rng) == 0) layouts[1].strides[d] = 0;
    std::vector<int> order(static_cast<std::size_t>(rank));
    for (int d = 0; d < rank; ++d) order[d] = d;
    std::shuffle(order.begin(), order.end(), rng);
    const StridedLayout permuted = layouts[2];
    for (int d = 0; d < rank; ++d) layouts[2].strides[d] = permuted.strides[order[d]];

    std::vector<std::vector<std::int64_t>> expected;
    for (const auto& l : layouts) expected.push_back(offsets_by_loop(l));
    const std::int64_t n = element_count(layouts[0]);
    collapse_dimensions(layouts, 3);
    for (int k = 0; k < 3; ++k) {
      INFO("trial " << trial << " operand " << k << " rank " << rank << " -> " << layouts[k].rank);
      REQUIRE(layouts[k].rank >= 1);
      REQUIRE(layouts[k].rank <= std::max(rank, 1));
      REQUIRE(element_count(layouts[k]) == n);
      REQUIRE(offsets_by_layout(layouts[k], n) == expected[k]);
    }
  }
}

TEST_CASE("dense operands collapse to one stride-1 dimension and index directly", "[strided]") {
  StridedLayout layouts[2] = {dense_layout({2, 1, 3, 5, 7}), dense_layout({2, 1, 3, 5, 7})};
  collapse_dimensions(layouts, 2);
  CHECK(layouts[0].rank == 1);
  CHECK(layouts[0].sizes[0] == 210);
  CHECK(layouts[0].strides[0] == 1);
  CHECK(choose_indexing(layouts, 2, 210) == Indexing::Dense);

  // A scalar (every size 1) and a rank-0 layout are one element.
  StridedLayout scalar[1] = {dense_layout({1, 1, 1})};
  collapse_dimensions(scalar, 1);
  CHECK((scalar[0].rank == 1 && scalar[0].sizes[0] == 1));
  StridedLayout none[1] = {StridedLayout{}};
  collapse_dimensions(none, 1);
  CHECK((none[0].rank == 1 && none[0].sizes[0] == 1 && element_offset(none[0], std::int64_t{0}) == 0));
}

TEST_CASE("a broadcast per-channel operand keeps its channel dimension only", "[strided]") {
  // x: N×C×H×W dense; b: 1×C×1×1 broadcast to it (bias add, batch norm).
  StridedLayout x = dense_layout({4, 16, 8, 8});
  StridedLayout b = dense_layout({4, 16, 8, 8});
  b.strides[0] = b.strides[2] = b.strides[3] = 0;
  b.strides[1] = 1;
  StridedLayout layouts[2] = {x, b};
  collapse_dimensions(layouts, 2);
  CHECK(layouts[0].rank == 3);  // N, C, H·W
  CHECK(layouts[1].strides[2] == 0);
  CHECK(choose_indexing(layouts, 2, 4 * 16 * 64) == Indexing::Strided32);
}

TEST_CASE("32-bit indexing only when every index and offset fits", "[strided]") {
  using c2am::cuda::detail::kMaxInt32Count;
  StridedLayout dense[1] = {dense_layout({kMaxInt32Count})};
  CHECK(choose_indexing(dense, 1, kMaxInt32Count) == Indexing::Dense);
  StridedLayout big[1] = {dense_layout({kMaxInt32Count + 1})};
  CHECK(choose_indexing(big, 1, kMaxInt32Count + 1) == Indexing::Strided64);
  // Few elements, but the last one sits beyond 2^31 (a strided view of a huge buffer).
  StridedLayout far[1] = {dense_layout({3}, std::int64_t{1} << 30)};
  CHECK(choose_indexing(far, 1, 3) == Indexing::Strided64);
  StridedLayout near[1] = {dense_layout({2}, std::int64_t{1} << 30)};
  CHECK(choose_indexing(near, 1, 2) == Indexing::Strided32);
}
