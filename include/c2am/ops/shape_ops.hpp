#pragma once
// Operations that rearrange elements. Differentiable.

#include <vector>

#include "c2am/core/tensor.hpp"

namespace c2am {

// Concatenates along `dim`; all other sizes, dtypes and devices must agree.
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim);
// Reverses the order of elements along each of `dims`.
Tensor flip(const Tensor& x, const std::vector<std::int64_t>& dims);

}  // namespace c2am
