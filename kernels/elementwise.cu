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

// The kernels take their operands' offsets as functors (strided.cuh): a
// dense operand is indexed directly, a strided one through its collapsed
// layout in Index arithmetic (32-bit whenever everything fits).
template <typename Index, typename S, typename D, typename SrcOffset, typename DstOffset>
__global__ void strided_copy_kernel(const S* src, SrcOffset src_offset, D* dst, DstOffset dst_offset, Index count) {
  const Index step = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step)
    dst[dst_offset(i)] = static_cast<D>(src[src_offset(i)]);
}

template <typename Index, typename T, typename Offset>
__global__ void unary_kernel(UnaryCode op, const T* x, Offset x_offset, T* y, Index count, T a, T b) {
  const Index step = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step)
    y[i] = apply_unary(op, x[x_offset(i)], a, b);
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

template <typename Index, typename T, typename OffsetA, typename OffsetB>
__global__ void binary_kernel(BinaryCode op, const T* a, OffsetA a_offset, const T* b, OffsetB b_offset, T* out,
                              Index count) {
  const Index step = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step) {
    const T u = a[a_offset(i)], v = b[b_offset(i)];
    switch (op) {
      case BinaryCode::Add: out[i] = u + v; break;
      case BinaryCode::Sub: out[i] = u - v; break;
      case BinaryCode::Mul: out[i] = u * v; break;
      case BinaryCode::Div: out[i] = u / v; break;
    }
  }
}

// Calls launch(Index{}, offsets...) with the cheapest indexing the collapsed
// layouts allow: dense operands indexed directly, else strided in 32-bit or
// 64-bit arithmetic. `layouts` are simplified in place.
template <int N, typename Launch>
void dispatch_indexing(StridedLayout (&layouts)[N], std::int64_t count, Launch&& launch) {
  collapse_dimensions(layouts, N);
  switch (choose_indexing(layouts, N, count)) {
    case Indexing::Dense:
      if constexpr (N == 1) launch(std::int32_t{}, DenseOffset{});
      else launch(std::int32_t{}, DenseOffset{}, DenseOffset{});
      break;
    case Indexing::Strided32:
      if constexpr (N == 1) launch(std::int32_t{}, StridedOffset<std::int32_t>{narrow_layout(layouts[0])});
      else launch(std::int32_t{}, StridedOffset<std::int32_t>{narrow_layout(layouts[0])},
                  StridedOffset<std::int32_t>{narrow_layout(layouts[1])});
      break;
    case Indexing::Strided64:
      if constexpr (N == 1) launch(std::int64_t{}, StridedOffset<std::int64_t>{layouts[0]});
      else launch(std::int64_t{}, StridedOffset<std::int64_t>{layouts[0]}, StridedOffset<std::int64_t>{layouts[1]});
      break;
  }
}

template <typename S>
cudaError_t copy_from(const void* src, const StridedLayout& layout, void* dst, DType dst_dtype,
                      const StridedLayout& dl, std::int64_t count, cudaStream_t stream) {
  const auto* s = static_cast<const S*>(src);
  const unsigned blocks = grid_for(count);
  StridedLayout layouts[2] = {layout, dl};
  const auto copy_to = [&](auto* d) {
    dispatch_indexing(layouts, count, [&](auto index, auto src_offset, auto dst_offset) {
      using Index = decltype(index);
      strided_copy_kernel<<<blocks, 256, 0, stream>>>(s, src_offset, d, dst_offset, static_cast<Index>(count));
    });
  };
  switch (dst_dtype) {
    case DType::Float32: copy_to(static_cast<float*>(dst)); break;
    case DType::Float64: copy_to(static_cast<double*>(dst)); break;
    case DType::Int32: copy_to(static_cast<std::int32_t*>(dst)); break;
    case DType::Int64: copy_to(static_cast<std::int64_t*>(dst)); break;
    case DType::UInt8: copy_to(static_cast<std::uint8_t*>(dst)); break;
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

template <typename T>
void unary_typed(UnaryCode op, const void* x, const StridedLayout& layout, void* y, std::int64_t count, double a,
                 double b, cudaStream_t stream) {
  StridedLayout layouts[1] = {layout};
  dispatch_indexing(layouts, count, [&](auto index, auto x_offset) {
    using Index = decltype(index);
    unary_kernel<<<grid_for(count), 256, 0, stream>>>(op, static_cast<const T*>(x), x_offset, static_cast<T*>(y),
                                                      static_cast<Index>(count), static_cast<T>(a), static_cast<T>(b));
  });
}

template <typename T>
void binary_typed(BinaryCode op, const void* a, const StridedLayout& la, const void* b, const StridedLayout& lb,
                  void* out, std::int64_t count, cudaStream_t stream) {
  StridedLayout layouts[2] = {la, lb};
  dispatch_indexing(layouts, count, [&](auto index, auto a_offset, auto b_offset) {
    using Index = decltype(index);
    binary_kernel<<<grid_for(count), 256, 0, stream>>>(op, static_cast<const T*>(a), a_offset,
                                                       static_cast<const T*>(b), b_offset, static_cast<T*>(out),
                                                       static_cast<Index>(count));
  });
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
  if (dtype == DType::Float32) {
    unary_typed<float>(op, x, layout, y, count, a, b, stream);
  } else if (dtype == DType::Float64) {
    unary_typed<double>(op, x, layout, y, count, a, b, stream);
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
  if (dtype == DType::Float32) {
    binary_typed<float>(op, a, la, b, lb, out, count, stream);
  } else if (dtype == DType::Float64) {
    binary_typed<double>(op, a, la, b, lb, out, count, stream);
  } else {
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace c2am::cuda::detail
