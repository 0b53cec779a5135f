#include "sgd.cuh"
#include "strided.cuh"

namespace c2am::cuda::detail {

namespace {

template <typename T>
__global__ void sgd_kernel(T* param, const T* grad, T* buffer, std::int64_t count, SgdStep s) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const T lr = static_cast<T>(s.lr), wd = static_cast<T>(s.weight_decay), m = static_cast<T>(s.momentum);
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step) {
    const T p = param[i];
    T d = s.weight_decay != 0.0 ? grad[i] + wd * p : grad[i];
    if (buffer) {
      const T b = s.first ? d : m * buffer[i] + d;
      buffer[i] = b;
      d = s.nesterov ? d + m * b : b;
    }
    param[i] = p - lr * d;
  }
}

}  // namespace

cudaError_t launch_sgd_update(DType dtype, void* param, const void* grad, void* buffer, std::int64_t count,
                              const SgdStep& step, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  const unsigned blocks = grid_for(count);
  if (dtype == DType::Float32) {
    sgd_kernel<<<blocks, 256, 0, stream>>>(static_cast<float*>(param), static_cast<const float*>(grad),
                                           static_cast<float*>(buffer), count, step);
  } else if (dtype == DType::Float64) {
    sgd_kernel<<<blocks, 256, 0, stream>>>(static_cast<double*>(param), static_cast<const double*>(grad),
                                           static_cast<double*>(buffer), count, step);
  } else {
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace c2am::cuda::detail
