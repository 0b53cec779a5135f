#pragma once
// Matrix products. Differentiable.

#include "c2am/core/tensor.hpp"

namespace c2am {

// [M, K] x [K, N] -> [M, N], or batched [B, M, K] x [B, K, N] -> [B, M, N].
// Transposed views are used as they are, without a copy.
Tensor matmul(const Tensor& a, const Tensor& b);

// A fully connected layer, as torch.nn.functional.linear: x [N, in],
// weight [out, in], bias [out] (undefined: none) -> x·weightᵀ + bias [N, out].
// Throws c2am::Error when the sizes do not fit.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace c2am
