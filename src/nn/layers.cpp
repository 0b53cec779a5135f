#include "c2am/nn/layers.hpp"

#include <cmath>
#include <string>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::nn {

Conv2d::Conv2d(const Conv2dOptions& options, Generator& gen) : options_(options) {
  check(options.in_channels >= 1 && options.out_channels >= 1 && options.kernel >= 1, "Conv2d",
        "channels and kernel must be positive, got in ", options.in_channels, ", out ", options.out_channels,
        ", kernel ", options.kernel);
  const double fan_in = static_cast<double>(options.in_channels * options.kernel * options.kernel);
  const double bound = 1.0 / std::sqrt(fan_in);
  weight = uniform({options.out_channels, options.in_channels, options.kernel, options.kernel}, -bound, bound, gen,
                   options.dtype)
               .set_requires_grad();
  register_parameter("weight", &weight);
  if (options.bias) {
    bias = uniform({options.out_channels}, -bound, bound, gen, options.dtype).set_requires_grad();
    register_parameter("bias", &bias);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight, bias, Conv2dParams::square(options_.stride, options_.padding, options_.dilation));
}

BatchNorm2d::BatchNorm2d(std::int64_t channels, DType dtype, double eps, double momentum)
    : eps_(eps), momentum_(momentum) {
  check(channels >= 1, "BatchNorm2d", "channels must be positive, got ", channels);
  weight = ones({channels}, dtype).set_requires_grad();
  bias = zeros({channels}, dtype).set_requires_grad();
  running_mean = zeros({channels}, dtype);
  running_var = ones({channels}, dtype);
  num_batches_tracked = zeros({}, DType::Int64);
  register_parameter("weight", &weight);
  register_parameter("bias", &bias);
  register_buffer("running_mean", &running_mean);
  register_buffer("running_var", &running_var);
  register_buffer("num_batches_tracked", &num_batches_tracked);
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  BatchNormParams params;
  params.training = is_training();
  params.momentum = momentum_;
  params.eps = eps_;
  Tensor y = batch_norm2d(x, weight, bias, running_mean, running_var, params);
  if (params.training) {
    NoGradGuard no_grad;
    num_batches_tracked.fill_(num_batches_tracked.item() + 1);
  }
  return y;
}

bool fused_inference(const Module& layer) { return !layer.is_training() && !is_grad_enabled(); }

Tensor conv_batch_norm_inference(const Conv2d& conv, const BatchNorm2d& norm, const Tensor& x, const Tensor& residual,
                                 bool relu) {
  const auto& o = conv.options();
  return conv2d_batch_norm_inference(x, conv.weight, conv.bias, Conv2dParams::square(o.stride, o.padding, o.dilation),
                                     norm.weight, norm.bias, norm.running_mean, norm.running_var, norm.eps(),
                                     residual, relu);
}

Linear::Linear(const LinearOptions& options, Generator& gen) : options_(options) {
  check(options.in_features >= 1 && options.out_features >= 1, "Linear", "features must be positive, got in ",
        options.in_features, ", out ", options.out_features);
  const double bound = 1.0 / std::sqrt(static_cast<double>(options.in_features));
  weight = uniform({options.out_features, options.in_features}, -bound, bound, gen, options.dtype).set_requires_grad();
  register_parameter("weight", &weight);
  if (options.bias) {
    bias = uniform({options.out_features}, -bound, bound, gen, options.dtype).set_requires_grad();
    register_parameter("bias", &bias);
  }
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

Tensor ReLU::forward(const Tensor& x) { return relu(x); }

Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }

void Sequential::push_back(std::shared_ptr<Layer> layer) {
  register_module(std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (auto& layer : layers_) y = layer->forward(y);
  return y;
}

}  // namespace c2am::nn
