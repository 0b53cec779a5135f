#pragma once
// How an operand's elements are laid out: sizes of the iteration space and
// the operand's strides in elements (0 along broadcast dimensions). Passed
// to kernels by value; element_offset maps a linear (row-major) index of the
// iteration space to the operand's element offset.

#include <cstdint>

namespace c2am::cuda::detail {

inline constexpr int kMaxRank = 8;

struct StridedLayout {
  int rank = 0;
  std::int64_t sizes[kMaxRank] = {};
  std::int64_t strides[kMaxRank] = {};
};

#ifdef __CUDACC__
__host__ __device__ inline std::int64_t element_offset(const StridedLayout& layout, std::int64_t linear) {
  std::int64_t offset = 0;
  for (int d = layout.rank - 1; d >= 0; --d) {
    const std::int64_t size = layout.sizes[d];
    offset += (linear % size) * layout.strides[d];
    linear /= size;
  }
  return offset;
}

// Launch shape of the elementwise kernels: 256 threads, grid-stride loops.
inline unsigned grid_for(std::int64_t count) {
  constexpr std::int64_t kThreads = 256, kMaxBlocks = 65535;
  const std::int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > kMaxBlocks ? kMaxBlocks : blocks));
}
#endif

}  // namespace c2am::cuda::detail
