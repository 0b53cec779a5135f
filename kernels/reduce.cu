#include "reduce.cuh"

namespace c2am::cuda::detail {

namespace {

constexpr int kThreads = 256;

template <typename T>
__global__ void sum_rows_kernel(const T* in, T* out, std::int64_t rows, std::int64_t length) {
  __shared__ double partial[kThreads];
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* row = in + r * length;
    double acc = 0.0;
    for (std::int64_t i = threadIdx.x; i < length; i += kThreads) acc += static_cast<double>(row[i]);
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half /= 2) {
      if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
      __syncthreads();
    }
    if (threadIdx.x == 0) out[r] = static_cast<T>(partial[0]);
    __syncthreads();  // partial[] is reused by the next row
  }
}

template <typename T>
__global__ void max_rows_kernel(const T* in, T* out, std::int64_t* argmax, std::int64_t rows, std::int64_t length) {
  __shared__ T best[kThreads];
  __shared__ std::int64_t where[kThreads];
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* row = in + r * length;
    T value = row[0];
    std::int64_t index = 0;
    for (std::int64_t i = threadIdx.x; i < length; i += kThreads) {
      if (row[i] > value || (row[i] == value && i < index)) value = row[i], index = i;
    }
    best[threadIdx.x] = value;
    where[threadIdx.x] = index;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half /= 2) {
      if (threadIdx.x < half) {
        const T other = best[threadIdx.x + half];
        const std::int64_t other_index = where[threadIdx.x + half];
        // The larger value wins; between equal values, the first position.
        if (other > best[threadIdx.x] || (other == best[threadIdx.x] && other_index < where[threadIdx.x]))
          best[threadIdx.x] = other, where[threadIdx.x] = other_index;
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) out[r] = best[0], argmax[r] = where[0];
    __syncthreads();
  }
}

template <typename T>
__global__ void scatter_rows_kernel(const T* grad, const std::int64_t* argmax, T* out, std::int64_t rows,
                                    std::int64_t length) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t r = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += step)
    out[r * length + argmax[r]] = grad[r];
}

unsigned row_blocks(std::int64_t rows) {
  return static_cast<unsigned>(rows < 1 ? 1 : (rows > 65535 ? 65535 : rows));
}

}  // namespace

cudaError_t launch_sum_rows(DType dtype, const void* in, void* out, std::int64_t rows, std::int64_t length,
                            cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  if (dtype == DType::Float32) {
    sum_rows_kernel<<<row_blocks(rows), kThreads, 0, stream>>>(static_cast<const float*>(in), static_cast<float*>(out),
                                                               rows, length);
  } else if (dtype == DType::Float64) {
    sum_rows_kernel<<<row_blocks(rows), kThreads, 0, stream>>>(static_cast<const double*>(in),
                                                               static_cast<double*>(out), rows, length);
  } else {
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

cudaError_t launch_max_rows(DType dtype, const void* in, void* out, std::int64_t* argmax, std::int64_t rows,
                            std::int64_t length, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  if (length < 1) return cudaErrorInvalidValue;
  if (dtype == DType::Float32) {
    max_rows_kernel<<<row_blocks(rows), kThreads, 0, stream>>>(static_cast<const float*>(in), static_cast<float*>(out),
                                                               argmax, rows, length);
  } else if (dtype == DType::Float64) {
    max_rows_kernel<<<row_blocks(rows), kThreads, 0, stream>>>(static_cast<const double*>(in),
                                                               static_cast<double*>(out), argmax, rows, length);
  } else {
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

cudaError_t launch_scatter_rows(DType dtype, const void* grad, const std::int64_t* argmax, void* out,
                                std::int64_t rows, std::int64_t length, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  const unsigned blocks = static_cast<unsigned>((rows + kThreads - 1) / kThreads > 65535 ? 65535 : (rows + kThreads - 1) / kThreads);
  if (dtype == DType::Float32) {
    scatter_rows_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const float*>(grad), argmax,
                                                         static_cast<float*>(out), rows, length);
  } else if (dtype == DType::Float64) {
    scatter_rows_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const double*>(grad), argmax,
                                                         static_cast<double*>(out), rows, length);
  } else {
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace c2am::cuda::detail
