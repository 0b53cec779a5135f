// Bilinear resize with align_corners=false (PyTorch's convention).

#include <algorithm>
#include <vector>

#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"
#include "cpu/strided.hpp"

namespace c2am::cpu {

namespace {

// Source taps of one output coordinate: value = w0 * in[i0] + w1 * in[i1].
template <typename T>
struct Tap {
  std::int64_t i0, i1;
  T w0, w1;
};

template <typename T>
std::vector<Tap<T>> taps(std::int64_t in, std::int64_t out) {
  std::vector<Tap<T>> result(out);
  const T scale = static_cast<T>(in) / static_cast<T>(out);
  for (std::int64_t d = 0; d < out; ++d) {
    const T src = std::max<T>(scale * (static_cast<T>(d) + T(0.5)) - T(0.5), T(0));
    const std::int64_t i0 = std::min<std::int64_t>(static_cast<std::int64_t>(src), in - 1);
    const std::int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
    const T w1 = src - static_cast<T>(i0);
    result[d] = {i0, i1, T(1) - w1, w1};
  }
  return result;
}

}  // namespace

Tensor resize_bilinear_forward(const Tensor& x_in, std::int64_t out_h, std::int64_t out_w) {
  const Tensor x = x_in.contiguous();
  const auto& s = x.shape();
  const std::int64_t h = s[2], w = s[3], planes = s[0] * s[1];
  Tensor out = empty({s[0], s[1], out_h, out_w}, x.options());
  dispatch_floating(x.dtype(), "resize_bilinear", [&](auto tag) {
    using T = decltype(tag);
    const auto th = taps<T>(h, out_h);
    const auto tw = taps<T>(w, out_w);
    const T* xp = x.data<T>();
    T* op = out.data<T>();
#pragma omp parallel for schedule(static) if (planes > 1 && out.numel() >= kParallelGrain)
    for (std::int64_t plane = 0; plane < planes; ++plane) {
      const T* in = xp + plane * h * w;
      T* o = op + plane * out_h * out_w;
      for (std::int64_t oy = 0; oy < out_h; ++oy) {
        const auto& ty = th[oy];
        const T* r0 = in + ty.i0 * w;
        const T* r1 = in + ty.i1 * w;
        for (std::int64_t ox = 0; ox < out_w; ++ox) {
          const auto& tx = tw[ox];
          o[oy * out_w + ox] = ty.w0 * (tx.w0 * r0[tx.i0] + tx.w1 * r0[tx.i1]) +
                               ty.w1 * (tx.w0 * r1[tx.i0] + tx.w1 * r1[tx.i1]);
        }
      }
    }
  });
  return out;
}

Tensor resize_bilinear_backward(const Tensor& grad_in, std::int64_t in_h, std::int64_t in_w) {
  const Tensor grad = grad_in.contiguous();
  const auto& s = grad.shape();
  const std::int64_t out_h = s[2], out_w = s[3], planes = s[0] * s[1];
  Tensor gx = zeros({s[0], s[1], in_h, in_w}, grad.options());
  dispatch_floating(grad.dtype(), "resize_bilinear_backward", [&](auto tag) {
    using T = decltype(tag);
    const auto th = taps<T>(in_h, out_h);
    const auto tw = taps<T>(in_w, out_w);
    const T* gp = grad.data<T>();
    T* op = gx.data<T>();
#pragma omp parallel for schedule(static) if (planes > 1 && grad.numel() >= kParallelGrain)
    for (std::int64_t plane = 0; plane < planes; ++plane) {
      const T* g = gp + plane * out_h * out_w;
      T* o = op + plane * in_h * in_w;
      for (std::int64_t oy = 0; oy < out_h; ++oy) {
        const auto& ty = th[oy];
        for (std::int64_t ox = 0; ox < out_w; ++ox) {
          const auto& tx = tw[ox];
          const T v = g[oy * out_w + ox];
          o[ty.i0 * in_w + tx.i0] += ty.w0 * tx.w0 * v;
          o[ty.i0 * in_w + tx.i1] += ty.w0 * tx.w1 * v;
          o[ty.i1 * in_w + tx.i0] += ty.w1 * tx.w0 * v;
          o[ty.i1 * in_w + tx.i1] += ty.w1 * tx.w1 * v;
        }
      }
    }
  });
  return gx;
}

}  // namespace c2am::cpu
