#pragma once
// Spatial resizing of NCHW tensors. Differentiable.

#include "c2am/core/tensor.hpp"

namespace c2am {

// Bilinear, align_corners=false, PyTorch's sampling convention: source
// coordinate (dst + 0.5) * in/out - 0.5, clamped below at 0.
Tensor resize_bilinear(const Tensor& x, std::int64_t out_h, std::int64_t out_w);

}  // namespace c2am
