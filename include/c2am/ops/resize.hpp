#pragma once
// Spatial resizing of NCHW tensors. Differentiable.

#include "c2am/core/tensor.hpp"

namespace c2am {

// Bilinear as torch.nn.functional.interpolate(mode="bilinear"). With
// align_corners false (the default) the source coordinate of output pixel d
// is (d + 0.5)·in/out − 0.5, clamped below at 0; with align_corners true it
// is d·(in − 1)/(out − 1) (0 when out is 1), so corner pixels map onto each
// other (PoolNet's upsampling). align_corners runs as two products with the
// 1-D interpolation matrices on every device.
Tensor resize_bilinear(const Tensor& x, std::int64_t out_h, std::int64_t out_w, bool align_corners = false);

}  // namespace c2am
