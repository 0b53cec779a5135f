#pragma once
// float32 convolution, batch norm and pooling on the CPU through oneDNN
// (src/cpu/onednn/*.cpp), with the contracts of the reference kernels in
// cpu/kernels.hpp: NCHW tensors in and out, whatever blocked layouts oneDNN
// picks inside. Callers ask handles() first; in builds without oneDNN
// (src/cpu/onednn_off/) handles() is false and the rest throws.

#include "cpu/kernels.hpp"

namespace c2am::cpu::onednn {

// True when `x` (a validated CPU tensor) goes through oneDNN: the build has
// it, cpu_engine() is OneDnn and x is float32.
bool handles(const Tensor& x);

Tensor conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p);
Conv2dGrads conv2d_backward(const Tensor& grad, const Tensor& x, const Tensor& weight, const Conv2dParams& p,
                            bool need_input, bool need_weight, bool need_bias);

// Inference only (no autograd): relu?(conv(x, weight) + bias + residual?) as
// one oneDNN primitive (bias, then a sum post-op for the residual, then an
// eltwise ReLU post-op). `residual` may be undefined; it has the output's
// shape. x and residual may have any strides; the result is a channels-last
// view (strides (HWC, 1, WC, C)), which the next call reads without a copy.
Tensor conv2d_fused_inference(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
                              const Tensor& residual, bool relu);

// dst = src for two float32 4-D tensors of one shape whose channel
// dimension is innermost in one and not in the other (channels-last vs
// NCHW, views included), through a oneDNN reorder. False, doing nothing,
// for any other pair.
bool reorder_layout(const Tensor& src, const Tensor& dst);

BatchNormForward batch_norm2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                      const Tensor& running_mean, const Tensor& running_var,
                                      const BatchNormParams& p);
BatchNormGrads batch_norm2d_backward(const Tensor& grad, const Tensor& x, const Tensor& weight, const Tensor& mean,
                                     const Tensor& invstd, bool training, double eps);

}  // namespace c2am::cpu::onednn
