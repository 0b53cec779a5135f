// conv2d_batch_norm_inference (c2am/ops/conv.hpp): batch norm folded into the
// convolution and residual + ReLU fused on oneDNN; the separate ops elsewhere.

#include <cmath>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/ops/conv.hpp"
#include "c2am/ops/elementwise.hpp"
#include "c2am/ops/normalization.hpp"
#include "cpu/onednn/ops.hpp"
#include "ops/op_checks.hpp"
#include "ops/parameter_cache.hpp"

namespace c2am {

namespace {

struct Folded {
  Tensor weight, bias;
};

// weight·s and (b − μ)·s + β with s = γ/√(σ²+ε) per output channel, in double.
Folded fold(const Tensor& weight, const Tensor& bias, const Tensor& bn_weight, const Tensor& bn_bias,
            const Tensor& running_mean, const Tensor& running_var, double eps) {
  const Tensor w = weight.contiguous();
  const std::int64_t co = w.size(0), per_channel = w.numel() / co;
  Folded f{empty(w.shape(), w.options()), empty({co}, w.options())};
  const auto values = [](const Tensor& t) { return t.defined() ? t.to_vector<float>() : std::vector<float>(); };
  const std::vector<float> b = values(bias), g = values(bn_weight), beta = values(bn_bias), mean = values(running_mean),
                           var = values(running_var);
  const float* src = w.data<float>();
  float* dst = f.weight.data<float>();
  float* out_bias = f.bias.data<float>();
  for (std::int64_t o = 0; o < co; ++o) {
    const double s = (g.empty() ? 1.0 : g[o]) / std::sqrt(static_cast<double>(var[o]) + eps);
    for (std::int64_t k = 0; k < per_channel; ++k) {
      dst[o * per_channel + k] = static_cast<float>(src[o * per_channel + k] * s);
    }
    out_bias[o] = static_cast<float>(((b.empty() ? 0.0 : b[o]) - mean[o]) * s + (beta.empty() ? 0.0 : beta[o]));
  }
  return f;
}

}  // namespace

Tensor conv2d_batch_norm_inference(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                   const Conv2dParams& params, const Tensor& bn_weight, const Tensor& bn_bias,
                                   const Tensor& running_mean, const Tensor& running_var, double eps,
                                   const Tensor& residual, bool relu) {
  const char* op = "conv2d_batch_norm_inference";
  if (is_grad_enabled()) {
    for (const Tensor* t : {&x, &weight, &bias, &bn_weight, &bn_bias, &residual}) {
      C2AM_CHECK(!t->defined() || !t->requires_grad(), op, "records no gradient, but ", t->describe(),
            " requires one (run it under NoGradGuard, or use conv2d and batch_norm2d to train)");
    }
  }
  check(running_mean.defined() && running_var.defined(), op, "needs the running statistics");
  ops::require_compatible(op, {&x, &weight, &bias, &bn_weight, &bn_bias, &running_mean, &running_var, &residual});
  if (x.device().is_cpu() && cpu::onednn::handles(x)) {
    // Shapes are checked by conv2d's own rules first (same messages).
    C2AM_CHECK(x.dim() == 4 && weight.dim() == 4 && x.size(1) == weight.size(1), op, "input ", x.describe(),
          " does not match weight ", weight.describe());
    for (const Tensor* t : {&bias, &bn_weight, &bn_bias, &running_mean, &running_var}) {
      C2AM_CHECK(!t->defined() || t->shape() == Shape{weight.size(0)}, op, "per-channel tensor ", t->describe(),
            " does not match the ", weight.size(0), " output channels of weight ", weight.describe());
    }
    // Folded once per parameter version: inference calls reuse it.
    static ops::ParameterCache<Folded> folded;
    const Folded f = folded.get({&weight, &bias, &bn_weight, &bn_bias, &running_mean, &running_var},
                                static_cast<std::int64_t>(std::llround(eps * 1e15)),
                                [&] { return fold(weight, bias, bn_weight, bn_bias, running_mean, running_var, eps); });
    if (residual.defined()) {
      const Shape out{x.size(0), weight.size(0),
                      conv_output_size(x.size(2), weight.size(2), params.stride_h, params.pad_h, params.dilation_h, op),
                      conv_output_size(x.size(3), weight.size(3), params.stride_w, params.pad_w, params.dilation_w, op)};
      C2AM_CHECK(residual.shape() == out, op, "residual ", residual.describe(), " does not match the output shape");
    }
    return cpu::onednn::conv2d_fused_inference(x, f.weight, f.bias, params, residual, relu);
  }
  BatchNormParams bn;
  bn.training = false;
  bn.eps = eps;
  Tensor y = batch_norm2d(conv2d(x, weight, bias, params), bn_weight, bn_bias, running_mean, running_var, bn);
  if (residual.defined()) y = y + residual;
  return relu ? c2am::relu(y) : y;
}

}  // namespace c2am
