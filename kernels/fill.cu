#include <algorithm>

#include "fill.cuh"

namespace c2am::cuda::detail {

namespace {

template <typename T>
__global__ void fill_kernel(T* dst, std::int64_t count, T value) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    dst[i] = value;
  }
}

template <typename T>
cudaError_t launch(void* dst, std::int64_t count, double value, cudaStream_t stream) {
  constexpr int kThreads = 256;
  constexpr std::int64_t kMaxBlocks = 65535;
  const auto blocks = static_cast<unsigned>(std::min<std::int64_t>((count + kThreads - 1) / kThreads, kMaxBlocks));
  fill_kernel<T><<<blocks, kThreads, 0, stream>>>(static_cast<T*>(dst), count, static_cast<T>(value));
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_fill(void* dst, DType dtype, std::int64_t count, double value, cudaStream_t stream) {
  switch (dtype) {
    case DType::Float32: return launch<float>(dst, count, value, stream);
    case DType::Float64: return launch<double>(dst, count, value, stream);
    case DType::Int32: return launch<std::int32_t>(dst, count, value, stream);
    case DType::Int64: return launch<std::int64_t>(dst, count, value, stream);
    case DType::UInt8: return launch<std::uint8_t>(dst, count, value, stream);
    default: return cudaErrorInvalidValue;
  }
}

}  // namespace c2am::cuda::detail
