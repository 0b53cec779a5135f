#pragma once
// Normalization layers' functional forms. Differentiable.

#include "c2am/core/tensor.hpp"

namespace c2am {

struct BatchNormParams {
  bool training = true;
  double momentum = 0.1;  // running = (1 - momentum) * running + momentum * batch
  double eps = 1e-5;
};

// x: [N, C, H, W]. weight/bias: [C] or undefined (no affine transform).
// Training: normalizes with the batch's mean and biased variance and, when
// running_mean/running_var are defined, updates them in place (variance
// unbiased, as PyTorch). Evaluation: normalizes with the running statistics.
Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                    const Tensor& running_var, const BatchNormParams& params);

// x / max(||x||_2, eps) along `dim` (torch.nn.functional.normalize).
Tensor normalize(const Tensor& x, std::int64_t dim, double eps = 1e-12);

}  // namespace c2am
