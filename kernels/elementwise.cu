#include <cmath>

#include "elementwise.cuh"

namespace c2am::cuda::detail {

namespace {

template <typename T>
__device__ T apply_unary(UnaryCode op, T x, T a, T b) {
  switch (op) {
    case UnaryCode::Neg: return -x;
    case UnaryCode::Exp: return exp(x);
    case UnaryCode::Log: return log(x);
    case UnaryCode::Sqrt: return sqrt(x);
    case UnaryCode::Sigmoid: return T(1) / (T(1) + exp(-x));
    case UnaryCode::Relu: return x > T(0) ? x : T(0);
    case UnaryCode::Pow: return pow(x, a);
    case UnaryCode::Affine: return a * x + b;
    case UnaryCode::Clamp: return fmin(fmax(x, a), b);
  }
  return x;
}

// Same formulas as the CPU reference (src/cpu/elementwise.cpp).
template <typename T>
__device__ T derivative(UnaryCode op, T x, T y, T a) {
  switch (op) {
    case UnaryCode::Neg: return T(-1);
    case UnaryCode::Exp: return y;
    case UnaryCode::Log: return T(1) / x;
    case UnaryCode::Sqrt: return T(0.5) / y;
    case UnaryCode::Sigmoid: return y * (T(1) - y);
    case UnaryCode::Relu: return x > T(0) ? T(1) : T(0);
    case UnaryCode::Pow: return a * pow(x, a - T(1));
    case UnaryCode::Affine: return a;
    case UnaryCode::Clamp: return T(0);  // handled by the caller (needs both bounds)
  }
  return T(0);
}

template <typename S, typename D>
__global__ void strided_copy_kernel(const S* src, StridedLayout layout, D* dst, StridedLayout dst_layout,
                                    std::int64_t count) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step)
    dst[element_offset(dst_layout, i)] = static_cast<D>(src[element_offset(layout, i)]);
}

template <typename T>
__global__ void unary_kernel(UnaryCode op, const T* x, StridedLayout layout, T* y, std::int64_t count, T a, T b) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step)
    y[i] = apply_unary(op, x[element_offset(layout, i)], a, b);
}

template <typename T>
__global__ void unary_backward_kernel(UnaryCode op, const T* grad, const T* x, const T* y, T* gx, std::int64_t count,
                                      T a, T b) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step) {
    const T xi = x ? x[i] : T(0), yi = y ? y[i] : T(0);
    // Clamp passes the gradient at the bounds and blocks it outside (PyTorch).
    const T d = op == UnaryCode::Clamp ? ((xi >= a && xi <= b) ? T(1) : T(0)) : derivative(op, xi, yi, a);
    gx[i] = grad[i] * d;
  }
}

template <typename T>
__global__ void binary_kernel(BinaryCode op, const T* a, StridedLayout la, const T* b, StridedLayout lb, T* out,
                              std::int64_t count) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step) {
    const T u = a[element_offset(la, i)], v = b[element_offset(lb, i)];
    switch (op) {
      case BinaryCode::Add: out[i] = u + v; break;
      case BinaryCode::Sub: out[i] = u - v; break;
      case BinaryCode::Mul: out[i] = u * v; break;
      case BinaryCode::Div: out[i] = u / v; break;
    }
  }
}

template <typename S>
cudaError_t copy_from(const void* src, const StridedLayout& layout, void* dst, DType dst_dtype,
                      const StridedLayout& dl, std::int64_t count, cudaStream_t stream) {
  const auto* s = static_cast<const S*>(src);
  const unsigned blocks = grid_for(count);
  switch (dst_dtype) {
    case DType::Float32: strided_copy_kernel<<<blocks, 256, 0, stream>>>(s, layout, static_cast<float*>(dst), dl, count); break;
    case DType::Float64: strided_copy_kernel<<<blocks, 256, 0, stream>>>(s, layout, static_cast<double*>(dst), dl, count); break;
    case DType::Int32: strided_copy_kernel<<<blocks, 256, 0, stream>>>(s, layout, static_cast<std::int32_t*>(dst), dl, count); break;
    case DType::Int64: strided_copy_kernel<<<blocks, 256, 0, stream>>>(s, layout, static_cast<std::int64_t*>(dst), dl, count); break;
    case DType::UInt8: strided_copy_kernel<<<blocks, 256, 0, stream>>>(s, layout, static_cast<std::uint8_t*>(dst), dl, count); break;
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_strided_copy(const void* src, DType src_dtype, const StridedLayout& layout, void* dst,
                                DType dst_dtype, const StridedLayout& dl, std::int64_t count, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  switch (src_dtype) {
    case DType::Float32: return copy_from<float>(src, layout, dst, dst_dtype, dl, count, stream);
    case DType::Float64: return copy_from<double>(src, layout, dst, dst_dtype, dl, count, stream);
    case DType::Int32: return copy_from<std::int32_t>(src, layout, dst, dst_dtype, dl, count, stream);
    case DType::Int64: return copy_from<std::int64_t>(src, layout, dst, dst_dtype, dl, count, stream);
    case DType::UInt8: return copy_from<std::uint8_t>(src, layout, dst, dst_dtype, dl, count, stream);
    default: return cudaErrorInvalidValue;
  }
}

cudaError_t launch_unary(UnaryCode op, DType dtype, const void* x, const StridedLayout& layout, void* y,
                         std::int64_t count, double a, double b, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  const unsigned blocks = grid_for(count);
  if (dtype == DType::Float32) {
    unary_kernel<<<blocks, 256, 0, stream>>>(op, static_cast<const float*>(x), layout, static_cast<float*>(y), count,
                                             static_cast<float>(a), static_cast<float>(b));
  } else if (dtype == DType::Float64) {
    unary_kernel<<<blocks, 256, 0, stream>>>(op, static_cast<const double*>(x), layout, static_cast<double*>(y), count, a, b);
  } else {
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

cudaError_t launch_unary_backward(UnaryCode op, DType dtype, const void* grad, const void* x, const void* y, void* gx,
                                  std::int64_t count, double a, double b, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  const unsigned blocks = grid_for(count);
  if (dtype == DType::Float32) {
    unary_backward_kernel<<<blocks, 256, 0, stream>>>(op, static_cast<const float*>(grad), static_cast<const float*>(x),
                                                      static_cast<const float*>(y), static_cast<float*>(gx), count,
                                                      static_cast<float>(a), static_cast<float>(b));
  } else if (dtype == DType::Float64) {
    unary_backward_kernel<<<blocks, 256, 0, stream>>>(op, static_cast<const double*>(grad),
                                                      static_cast<const double*>(x), static_cast<const double*>(y),
                                                      static_cast<double*>(gx), count, a, b);
  } else {
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

cudaError_t launch_binary(BinaryCode op, DType dtype, const void* a, const StridedLayout& la, const void* b,
                          const StridedLayout& lb, void* out, std::int64_t count, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  const unsigned blocks = grid_for(count);
  if (dtype == DType::Float32) {
    binary_kernel<<<blocks, 256, 0, stream>>>(op, static_cast<const float*>(a), la, static_cast<const float*>(b), lb,
                                              static_cast<float*>(out), count);
  } else if (dtype == DType::Float64) {
    binary_kernel<<<blocks, 256, 0, stream>>>(op, static_cast<const double*>(a), la, static_cast<const double*>(b), lb,
                                              static_cast<double*>(out), count);
  } else {
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace c2am::cuda::detail
