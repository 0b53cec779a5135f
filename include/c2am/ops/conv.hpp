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

namespace c2am {

// Evaluation-mode conv → BatchNorm2d (running statistics) → + residual →
// ReLU, as inference runs a ResNet: relu?(bn(conv2d(x, weight, bias)) + residual).
// x: [N, Cin, H, W]; weight: [Cout, Cin, kh, kw]; bias, bn_weight, bn_bias,
// running_mean, running_var: [Cout] (bias, bn_weight, bn_bias may be
// undefined); residual: the output's shape [N, Cout, Ho, Wo], or undefined.
// No gradient is recorded: throws c2am::Error when gradient recording is on
// and any input requires a gradient (train and backpropagate with the
// separate ops).
// On CPU float32 tensors with oneDNN (cpu_engine.hpp) the batch norm is
// folded into the convolution — weight·γ/√(σ²+ε) and (b − μ)·γ/√(σ²+ε) + β,
// computed in double — and the residual sum and ReLU run as post-ops of one
// oneDNN primitive; the result differs from the separate ops by float32
// rounding only. Elsewhere (CUDA, float64, the reference engine) it is
// exactly the separate ops.
Tensor conv2d_batch_norm_inference(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                   const Conv2dParams& params, const Tensor& bn_weight, const Tensor& bn_bias,
                                   const Tensor& running_mean, const Tensor& running_var, double eps,
                                   const Tensor& residual, bool relu);

}  // namespace c2am
