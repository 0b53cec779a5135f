#pragma once
// Spatial pooling over NCHW tensors. Differentiable.

#include "c2am/core/tensor.hpp"

namespace c2am {

struct Pool2dParams {
  std::int64_t kernel_h = 2, kernel_w = 2;
  std::int64_t stride_h = 2, stride_w = 2;
  std::int64_t pad_h = 0, pad_w = 0;
  // PyTorch's ceil_mode (max pooling only): the output size rounds up, with
  // a last window that starts inside the input or its left/top padding.
  bool ceil_mode = false;

  static Pool2dParams square(std::int64_t kernel, std::int64_t stride, std::int64_t padding = 0) {
    return {kernel, kernel, stride, stride, padding, padding};
  }
};

// Padding counts as -infinity; floor output size unless params.ceil_mode.
// The gradient goes to the first maximal element of each window.
Tensor max_pool2d(const Tensor& x, const Pool2dParams& params);
// Padding counts as zeros in the average (PyTorch's count_include_pad=True);
// floor output size (ceil_mode is refused).
Tensor avg_pool2d(const Tensor& x, const Pool2dParams& params);
// PyTorch's adaptive bins: [floor(i*H/out), ceil((i+1)*H/out)). On the GPU
// as two products with the bins' averaging matrices.
Tensor adaptive_avg_pool2d(const Tensor& x, std::int64_t out_h, std::int64_t out_w);

}  // namespace c2am
