#pragma once
// Reductions over all elements or over chosen dimensions (negative indices
// count from the end). Differentiable.

#include <vector>

#include "c2am/core/tensor.hpp"

namespace c2am {

// Sum of all elements, a 0-d tensor.
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
// Maximum values. The gradient goes to the first maximal element of each
// reduced slice (the element torch.max(dim) reports).
Tensor max(const Tensor& x);
Tensor max(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
// Sums `x` down to `shape`, the inverse of broadcasting `shape` up to x's shape.
Tensor sum_to_shape(const Tensor& x, const Shape& shape);

}  // namespace c2am
