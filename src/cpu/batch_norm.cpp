// The reference batch normalization (float64, builds without oneDNN, and
// C2AM_CPU_ENGINE=reference; float32 otherwise goes to cpu/onednn/) over NCHW, one channel per task. Statistics are
// accumulated in double (two passes: mean, then centred squares).

#include <cmath>

#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"
#include "cpu/onednn/ops.hpp"
#include "cpu/strided.hpp"

namespace c2am::cpu {

BatchNormForward batch_norm2d_forward(const Tensor& x_in, const Tensor& weight, const Tensor& bias,
                                      const Tensor& running_mean, const Tensor& running_var,
                                      const BatchNormParams& p) {
  if (onednn::handles(x_in)) return onednn::batch_norm2d_forward(x_in, weight, bias, running_mean, running_var, p);
  const Tensor x = x_in.contiguous();
  const std::int64_t n = x.shape()[0], c = x.shape()[1], plane = x.shape()[2] * x.shape()[3];
  const std::int64_t count = n * plane;
  BatchNormForward result{empty(x.shape(), x.options()), empty({c}, x.options()), empty({c}, x.options())};
  dispatch_floating(x.dtype(), "batch_norm2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* wp = weight.defined() ? weight.data<T>() : nullptr;
    const T* bp = bias.defined() ? bias.data<T>() : nullptr;
    T* rm = running_mean.defined() ? running_mean.data<T>() : nullptr;
    T* rv = running_var.defined() ? running_var.data<T>() : nullptr;
    T* yp = result.output.data<T>();
    T* mp = result.mean.data<T>();
    T* ip = result.invstd.data<T>();
#pragma omp parallel for schedule(static) if (c > 1 && x.numel() >= kParallelGrain)
    for (std::int64_t ch = 0; ch < c; ++ch) {
      double mean = 0.0, var = 0.0;
      if (p.training) {
        for (std::int64_t i = 0; i < n; ++i) {
          const T* src = xp + (i * c + ch) * plane;
          for (std::int64_t q = 0; q < plane; ++q) mean += src[q];
        }
        mean /= static_cast<double>(count);
        for (std::int64_t i = 0; i < n; ++i) {
          const T* src = xp + (i * c + ch) * plane;
          for (std::int64_t q = 0; q < plane; ++q) var += (src[q] - mean) * (src[q] - mean);
        }
        var /= static_cast<double>(count);
        if (rm) rm[ch] = static_cast<T>((1.0 - p.momentum) * rm[ch] + p.momentum * mean);
        if (rv) {
          const double unbiased = var * static_cast<double>(count) / static_cast<double>(count - 1);
          rv[ch] = static_cast<T>((1.0 - p.momentum) * rv[ch] + p.momentum * unbiased);
        }
      } else {
        mean = rm[ch];
        var = rv[ch];
      }
      const T invstd = static_cast<T>(1.0 / std::sqrt(var + p.eps));
      const T m = static_cast<T>(mean);
      mp[ch] = m;
      ip[ch] = invstd;
      const T scale = wp ? wp[ch] * invstd : invstd;
      const T shift = bp ? bp[ch] : T(0);
      for (std::int64_t i = 0; i < n; ++i) {
        const T* src = xp + (i * c + ch) * plane;
        T* dst = yp + (i * c + ch) * plane;
        for (std::int64_t q = 0; q < plane; ++q) dst[q] = (src[q] - m) * scale + shift;
      }
    }
  });
  if (p.training) {
    if (running_mean.defined()) running_mean.storage()->bump_version();
    if (running_var.defined()) running_var.storage()->bump_version();
  }
  return result;
}

BatchNormGrads batch_norm2d_backward(const Tensor& grad_in, const Tensor& x_in, const Tensor& weight,
                                     const Tensor& mean, const Tensor& invstd, bool training, double eps) {
  if (onednn::handles(x_in)) return onednn::batch_norm2d_backward(grad_in, x_in, weight, mean, invstd, training, eps);
  const Tensor grad = grad_in.contiguous();
  const Tensor x = x_in.contiguous();
  const std::int64_t n = x.shape()[0], c = x.shape()[1], plane = x.shape()[2] * x.shape()[3];
  const double count = static_cast<double>(n * plane);
  BatchNormGrads grads{empty(x.shape(), x.options()), empty({c}, x.options()), empty({c}, x.options())};
  dispatch_floating(x.dtype(), "batch_norm2d_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gp = grad.data<T>();
    const T* xp = x.data<T>();
    const T* wp = weight.defined() ? weight.data<T>() : nullptr;
    const T* mp = mean.data<T>();
    const T* ip = invstd.data<T>();
    T* gx = grads.input.data<T>();
    T* gw = grads.weight.data<T>();
    T* gb = grads.bias.data<T>();
#pragma omp parallel for schedule(static) if (c > 1 && x.numel() >= kParallelGrain)
    for (std::int64_t ch = 0; ch < c; ++ch) {
      double sum_g = 0.0, sum_g_xhat = 0.0;
      for (std::int64_t i = 0; i < n; ++i) {
        const T* g = gp + (i * c + ch) * plane;
        const T* src = xp + (i * c + ch) * plane;
        for (std::int64_t q = 0; q < plane; ++q) {
          sum_g += g[q];
          sum_g_xhat += static_cast<double>(g[q]) * (src[q] - mp[ch]) * ip[ch];
        }
      }
      gw[ch] = static_cast<T>(sum_g_xhat);
      gb[ch] = static_cast<T>(sum_g);
      const T scale = (wp ? wp[ch] : T(1)) * ip[ch];
      const T mean_g = training ? static_cast<T>(sum_g / count) : T(0);
      const T mean_g_xhat = training ? static_cast<T>(sum_g_xhat / count) : T(0);
      for (std::int64_t i = 0; i < n; ++i) {
        const T* g = gp + (i * c + ch) * plane;
        const T* src = xp + (i * c + ch) * plane;
        T* dst = gx + (i * c + ch) * plane;
        for (std::int64_t q = 0; q < plane; ++q) {
          const T xhat = (src[q] - mp[ch]) * ip[ch];
          dst[q] = scale * (g[q] - mean_g - xhat * mean_g_xhat);
        }
      }
    }
  });
  return grads;
}

}  // namespace c2am::cpu
