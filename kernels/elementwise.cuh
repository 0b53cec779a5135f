#pragma once
// Elementwise kernels: strided copies with dtype conversion, unary ops and
// their derivatives, broadcasting binary ops. Outputs are dense; inputs are
// described by StridedLayout. Host-callable launchers usable from plain C++;
// each queues work on `stream` and returns the launch status.

#include <cuda_runtime_api.h>

#include <cstdint>

#include "c2am/core/dtype.hpp"
#include "strided.cuh"

namespace c2am::cuda::detail {

// The op codes match c2am::cpu::UnaryOp / BinaryOp.
enum class UnaryCode : int { Neg, Exp, Log, Sqrt, Sigmoid, Relu, Pow, Affine, Clamp };
enum class BinaryCode : int { Add, Sub, Mul, Div };

// dst[dst_layout(i)] = src[src_layout(i)], converting src_dtype to
// dst_dtype; both layouts share the same sizes (the destination may be a
// strided view, as in cat).
cudaError_t launch_strided_copy(const void* src, DType src_dtype, const StridedLayout& src_layout, void* dst,
                                DType dst_dtype, const StridedLayout& dst_layout, std::int64_t count,
                                cudaStream_t stream);

// y[i] = op(x[layout(i)]) with constants a, b (see cpu::UnaryArgs).
cudaError_t launch_unary(UnaryCode op, DType dtype, const void* x, const StridedLayout& layout, void* y,
                         std::int64_t count, double a, double b, cudaStream_t stream);

// gx[i] = grad[i] * op'(x[i], y[i]); all dense; x or y may be null when the
// derivative does not need it.
cudaError_t launch_unary_backward(UnaryCode op, DType dtype, const void* grad, const void* x, const void* y,
                                  void* gx, std::int64_t count, double a, double b, cudaStream_t stream);

// out[i] = a[la(i)] op b[lb(i)]; la and lb share the output's sizes.
cudaError_t launch_binary(BinaryCode op, DType dtype, const void* a, const StridedLayout& la, const void* b,
                          const StridedLayout& lb, void* out, std::int64_t count, cudaStream_t stream);

}  // namespace c2am::cuda::detail
