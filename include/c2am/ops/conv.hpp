#pragma once
// 2-D convolution (cross-correlation, as in PyTorch), NCHW. Differentiable.

#include "c2am/core/tensor.hpp"

namespace c2am {

struct Conv2dParams {
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;

  static Conv2dParams square(std::int64_t stride, std::int64_t padding, std::int64_t dilation = 1) {
    return {stride, stride, padding, padding, dilation, dilation};
  }
};

// x: [N, Cin, H, W]; weight: [Cout, Cin, kh, kw]; bias: [Cout] or undefined.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& params = {});

// Output size of one spatial dimension; throws naming `op` if it is < 1.
std::int64_t conv_output_size(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t pad,
                              std::int64_t dilation, const char* op);

}  // namespace c2am
