// Batch normalization through oneDNN, on the NCHW tensors as they are (its
// NCHW kernels are vectorized over the plane; reordering to a blocked layout
// and back would cost more than the normalization). oneDNN returns the
// batch mean and biased variance; the running statistics (unbiased variance,
// PyTorch's momentum rule) and the invstd the autograd node keeps are
// computed here from them, in double, as the reference kernel does.

#include <cmath>

#include "c2am/core/error.hpp"
#include "c2am/core/storage.hpp"
#include "cpu/onednn/context.hpp"
#include "cpu/onednn/ops.hpp"

namespace c2am::cpu::onednn {

namespace {

using dnnl::batch_normalization_backward;
using dnnl::batch_normalization_forward;
using dnnl::normalization_flags;
using dnnl::prop_kind;

normalization_flags flags_of(bool affine, bool training) {
  auto flags = affine ? normalization_flags::use_scale | normalization_flags::use_shift : normalization_flags::none;
  return training ? flags : flags | normalization_flags::use_global_stats;
}

struct Forward {
  batch_normalization_forward::primitive_desc pd;
  batch_normalization_forward primitive;
};
struct Backward {
  batch_normalization_backward::primitive_desc pd;
  batch_normalization_backward primitive;
};

Key key_of(int pass, const Tensor& x, bool affine, bool training, double eps) {
  Key key{pass, affine, training, static_cast<std::int64_t>(std::llround(eps * 1e15))};
  key.insert(key.end(), x.shape().begin(), x.shape().end());
  return key;
}

const Forward& forward(const Tensor& x, bool affine, bool training, double eps) {
  static PrimitiveCache<Forward> cache;
  return cache.get(key_of(0, x, affine, training, eps), [&] {
    const batch_normalization_forward::desc d(
        training ? prop_kind::forward_training : prop_kind::forward_inference, plain_desc(dims_of(x.shape())),
        static_cast<float>(eps), flags_of(affine, training));
    batch_normalization_forward::primitive_desc pd(d, engine());
    return Forward{pd, batch_normalization_forward(pd)};
  });
}

const Backward& backward(const Tensor& x, bool affine, bool training, double eps) {
  static PrimitiveCache<Backward> cache;
  return cache.get(key_of(1, x, affine, training, eps), [&] {
    const memory::desc data = plain_desc(dims_of(x.shape()));
    // The forward hint must be a training one for training-mode backward.
    const batch_normalization_forward::desc hint_desc(prop_kind::forward_training, data, static_cast<float>(eps),
                                                      flags_of(affine, training));
    const batch_normalization_forward::primitive_desc hint(hint_desc, engine());
    const batch_normalization_backward::desc d(affine ? prop_kind::backward : prop_kind::backward_data, data, data,
                                               static_cast<float>(eps), flags_of(affine, training));
    batch_normalization_backward::primitive_desc pd(d, engine(), hint);
    return Backward{pd, batch_normalization_backward(pd)};
  });
}

}  // namespace

BatchNormForward batch_norm2d_forward(const Tensor& x_in, const Tensor& weight, const Tensor& bias,
                                      const Tensor& running_mean, const Tensor& running_var,
                                      const BatchNormParams& p) {
  const Tensor x = x_in.contiguous();
  const std::int64_t c = x.shape()[1];
  const std::int64_t count = x.numel() / c;
  // oneDNN's flags take scale and shift together; a missing one is 1 or 0.
  const bool affine = weight.defined() || bias.defined();
  BatchNormForward result{empty(x.shape(), x.options()), empty({c}, x.options()), empty({c}, x.options())};
  Tensor variance = empty({c}, x.options());
  if (!p.training) {
    result.mean.copy_(running_mean);
    variance.copy_(running_var);
  }
  try {
    const Forward& f = forward(x, affine, p.training, p.eps);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(x)},
                                         {DNNL_ARG_DST, wrap(result.output)},
                                         {DNNL_ARG_MEAN, wrap(result.mean)},
                                         {DNNL_ARG_VARIANCE, wrap(variance)}};
    if (affine) {
      args.emplace(DNNL_ARG_SCALE, wrap(weight.defined() ? weight.contiguous() : ones({c}, x.options())));
      args.emplace(DNNL_ARG_SHIFT, wrap(bias.defined() ? bias.contiguous() : zeros({c}, x.options())));
    }
    f.primitive.execute(stream(), args);
    stream().wait();
  } catch (const dnnl::error& e) {
    rethrow("batch_norm2d", e);
  }
  const float* mean = result.mean.data<float>();
  const float* var = variance.data<float>();
  float* invstd = result.invstd.data<float>();
  float* rm = p.training && running_mean.defined() ? running_mean.data<float>() : nullptr;
  float* rv = p.training && running_var.defined() ? running_var.data<float>() : nullptr;
  for (std::int64_t ch = 0; ch < c; ++ch) {
    invstd[ch] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(var[ch]) + p.eps));
    if (rm) rm[ch] = static_cast<float>((1.0 - p.momentum) * rm[ch] + p.momentum * mean[ch]);
    if (rv) {
      const double unbiased = var[ch] * static_cast<double>(count) / static_cast<double>(count - 1);
      rv[ch] = static_cast<float>((1.0 - p.momentum) * rv[ch] + p.momentum * unbiased);
    }
  }
  if (rm) running_mean.storage()->bump_version();
  if (rv) running_var.storage()->bump_version();
  return result;
}

BatchNormGrads batch_norm2d_backward(const Tensor& grad_in, const Tensor& x_in, const Tensor& weight,
                                     const Tensor& mean_in, const Tensor& invstd_in, bool training, double eps) {
  const Tensor grad = grad_in.contiguous(), x = x_in.contiguous();
  const Tensor mean = mean_in.contiguous(), invstd = invstd_in.contiguous();
  const std::int64_t c = x.shape()[1];
  // The node keeps invstd; oneDNN wants the variance back: 1/invstd² − eps
  // (float32 rounding only; never below 0).
  Tensor variance = empty({c}, x.options());
  for (std::int64_t ch = 0; ch < c; ++ch) {
    const double s = invstd.data<float>()[ch];
    variance.data<float>()[ch] = static_cast<float>(std::max(0.0, 1.0 / (s * s) - eps));
  }
  BatchNormGrads grads{empty(x.shape(), x.options()), empty({c}, x.options()), empty({c}, x.options())};
  const Tensor shift_unused = zeros({c}, x.options());
  try {
    const Backward& b = backward(x, true, training, eps);
    b.primitive.execute(stream(), {{DNNL_ARG_SRC, wrap(x)},
                                   {DNNL_ARG_DIFF_DST, wrap(grad)},
                                   {DNNL_ARG_MEAN, wrap(mean)},
                                   {DNNL_ARG_VARIANCE, wrap(variance)},
                                   {DNNL_ARG_SCALE, wrap(weight.defined() ? weight.contiguous() : ones({c}, x.options()))},
                                   {DNNL_ARG_SHIFT, wrap(shift_unused)},  // unread, but 2.6 refuses to run without it
                                   {DNNL_ARG_DIFF_SRC, wrap(grads.input)},
                                   {DNNL_ARG_DIFF_SCALE, wrap(grads.weight)},
                                   {DNNL_ARG_DIFF_SHIFT, wrap(grads.bias)}});
    stream().wait();
  } catch (const dnnl::error& e) {
    rethrow("batch_norm2d_backward", e);
  }
  return grads;
}

}  // namespace c2am::cpu::onednn
