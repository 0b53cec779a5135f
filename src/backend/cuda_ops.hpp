#pragma once
// CUDA implementations of the elementwise and reduction kernels of the ops
// layer, with the same contracts as their CPU counterparts in cpu/kernels.hpp
// (strided inputs accepted, dense outputs). Implemented in src/cuda/ when
// CUDA is compiled in; src/cuda_stub/ throws otherwise.

#include <cstdint>

#include "c2am/core/tensor.hpp"
#include "cpu/kernels.hpp"

namespace c2am::cuda::ops {

// dst = src elementwise, both on the same GPU in any layout (src may also
// broadcast to dst's shape), converting dtype.
void copy_strided(const Tensor& src, const Tensor& dst);
Tensor unary(cpu::UnaryOp op, const Tensor& x, cpu::UnaryArgs args);
Tensor unary_backward(cpu::UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y, cpu::UnaryArgs args);
Tensor binary(cpu::BinaryOp op, const Tensor& a, const Tensor& b);
Tensor sum_rows(const Tensor& x);
Tensor max_rows(const Tensor& x, Tensor& argmax);
Tensor scatter_rows(const Tensor& grad, const Tensor& argmax, std::int64_t length);
// a: [B, M, K], b: [B, K, N] (each matrix row-major or transposed in memory), via cuBLAS.
Tensor batched_matmul(const Tensor& a, const Tensor& b);

}  // namespace c2am::cuda::ops
