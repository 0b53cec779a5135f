#pragma once
// Matrix products. Differentiable.

#include "c2am/core/tensor.hpp"

namespace c2am {

// [M, K] x [K, N] -> [M, N], or batched [B, M, K] x [B, K, N] -> [B, M, N].
// Transposed views are used as they are, without a copy.
Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace c2am
