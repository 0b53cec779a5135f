#pragma once
// How an operand's elements are laid out: sizes of the iteration space and
// the operand's strides in elements (0 along broadcast dimensions). Passed
// to kernels by value; element_offset maps a linear (row-major) index of the
// iteration space to the operand's element offset.
//
// Before a launch the operands' layouts are simplified together
// (collapse_dimensions): size-1 dimensions go, and neighbouring dimensions
// that every operand walks as one are merged. A dense tensor becomes one
// dimension of stride 1, which the kernels index directly (Indexing::Dense);
// other layouts pay one division and remainder per remaining dimension, in
// 32-bit arithmetic when every index and offset fits (much cheaper on the
// GPU than 64-bit), else in 64-bit. Shared with the CPU tests.

#include <cstdint>

#include "host_device.cuh"

namespace c2am::cuda::detail {

inline constexpr int kMaxRank = 8;

template <typename Index>
struct BasicLayout {
  int rank = 0;
  Index sizes[kMaxRank] = {};
  Index strides[kMaxRank] = {};
};
using StridedLayout = BasicLayout<std::int64_t>;

template <typename Index>
C2AM_HOST_DEVICE inline Index element_offset(const BasicLayout<Index>& layout, Index linear) {
  if (layout.rank == 1) return linear * layout.strides[0];  // linear < sizes[0]
  Index offset = 0;
  for (int d = layout.rank - 1; d >= 0; --d) {
    const Index size = layout.sizes[d];
    offset += (linear % size) * layout.strides[d];
    linear /= size;
  }
  return offset;
}

// Simplifies `count` layouts over the same iteration space in place, without
// changing any operand's element_offset of any linear index: drops size-1
// dimensions and merges dimension d into d+1 wherever, for every operand,
// strides[d] == strides[d+1] * sizes[d+1]. An empty or scalar space becomes
// rank 1 of its element count.
inline void collapse_dimensions(StridedLayout* layouts, int count) {
  if (count == 0) return;
  const int rank = layouts[0].rank;
  int out = 0;  // dimensions kept so far
  for (int d = 0; d < rank; ++d) {
    const std::int64_t size = layouts[0].sizes[d];
    if (size == 1) continue;
    bool merge = out > 0;
    for (int k = 0; k < count && merge; ++k)
      merge = layouts[k].strides[out - 1] == layouts[k].strides[d] * size;
    for (int k = 0; k < count; ++k) {
      StridedLayout& l = layouts[k];
      if (merge) {
        l.sizes[out - 1] *= size;
        l.strides[out - 1] = l.strides[d];
      } else {
        l.sizes[out] = size;
        l.strides[out] = l.strides[d];
      }
    }
    if (!merge) ++out;
  }
  if (out == 0) {  // all sizes 1 (a scalar), or no dimensions
    for (int k = 0; k < count; ++k) {
      layouts[k].sizes[0] = 1;
      layouts[k].strides[0] = 1;
    }
    out = 1;
  }
  for (int k = 0; k < count; ++k) {
    layouts[k].rank = out;
    for (int d = out; d < kMaxRank; ++d) layouts[k].sizes[d] = 0, layouts[k].strides[d] = 0;
  }
}

// One dimension of stride 1: element i is at offset i.
inline bool is_dense(const StridedLayout& l) { return l.rank == 1 && l.strides[0] == 1; }

// Whether the largest offset of `l` (strides are never negative here) and
// every linear index below `count` fit in int32.
inline bool fits_int32(const StridedLayout& l, std::int64_t count) {
  constexpr std::int64_t kMax = INT32_MAX;
  if (count > kMax) return false;
  std::int64_t last = 0;
  for (int d = 0; d < l.rank; ++d) {
    if (l.strides[d] < 0 || l.sizes[d] > kMax || l.strides[d] > kMax) return false;
    if (l.sizes[d] > 0) last += (l.sizes[d] - 1) * l.strides[d];
    if (last > kMax) return false;
  }
  return true;
}

inline BasicLayout<std::int32_t> narrow_layout(const StridedLayout& l) {
  BasicLayout<std::int32_t> n;
  n.rank = l.rank;
  for (int d = 0; d < l.rank; ++d) {
    n.sizes[d] = static_cast<std::int32_t>(l.sizes[d]);
    n.strides[d] = static_cast<std::int32_t>(l.strides[d]);
  }
  return n;
}

// The most elements a 32-bit launch covers: its grid-stride loop index
// passes the count by up to one grid (65535 blocks of 256 threads) and must
// not overflow.
inline constexpr std::int64_t kMaxInt32Count = INT32_MAX - std::int64_t{65535} * 256;

// How a launch indexes its operands, chosen after collapse_dimensions:
// Dense (every operand dense) and Strided32 count in 32 bits, Strided64
// when the count or an offset needs more.
enum class Indexing { Dense, Strided32, Strided64 };

inline Indexing choose_indexing(const StridedLayout* layouts, int count, std::int64_t elements) {
  bool dense = true, narrow = elements <= kMaxInt32Count;
  for (int k = 0; k < count; ++k) {
    dense = dense && is_dense(layouts[k]);
    narrow = narrow && fits_int32(layouts[k], elements);
  }
  if (!narrow) return Indexing::Strided64;
  return dense ? Indexing::Dense : Indexing::Strided32;
}

#ifdef __CUDACC__
// Launch shape of the elementwise kernels: 256 threads, grid-stride loops.
inline unsigned grid_for(std::int64_t count) {
  constexpr std::int64_t kThreads = 256, kMaxBlocks = 65535;
  const std::int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > kMaxBlocks ? kMaxBlocks : blocks));
}

// Offset functors the kernels are instantiated with: a dense operand's
// offset is the index itself; a strided one's comes from its layout.
struct DenseOffset {
  template <typename Index>
  __device__ Index operator()(Index linear) const {
    return linear;
  }
};
template <typename Index>
struct StridedOffset {
  BasicLayout<Index> layout;
  __device__ Index operator()(Index linear) const { return element_offset(layout, linear); }
};
#endif

}  // namespace c2am::cuda::detail
