// Max, average and adaptive average pooling over NCHW planes, one plane per
// task (planes are independent, so backward writes never conflict).

#include <limits>

#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"
#include "cpu/strided.hpp"

namespace c2am::cpu {

namespace {

// Calls body(plane_index) for every (n, c) plane, in parallel when large.
template <typename Body>
void for_each_plane(std::int64_t planes, std::int64_t work_per_plane, Body&& body) {
#pragma omp parallel for schedule(static) if (planes > 1 && planes * work_per_plane >= kParallelGrain)
  for (std::int64_t plane = 0; plane < planes; ++plane) body(plane);
}

std::int64_t pool_output_size(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t pad) {
  return (in + 2 * pad - kernel) / stride + 1;
}

// PyTorch's adaptive pooling bin [start, end) for output index i.
std::int64_t bin_start(std::int64_t i, std::int64_t in, std::int64_t out) { return (i * in) / out; }
std::int64_t bin_end(std::int64_t i, std::int64_t in, std::int64_t out) { return ((i + 1) * in + out - 1) / out; }

}  // namespace

Tensor max_pool2d_forward(const Tensor& x_in, const Pool2dParams& p, Tensor& indices) {
  const Tensor x = x_in.contiguous();
  const auto& s = x.shape();
  const std::int64_t h = s[2], w = s[3];
  const std::int64_t ho = pool_output_size(h, p.kernel_h, p.stride_h, p.pad_h);
  const std::int64_t wo = pool_output_size(w, p.kernel_w, p.stride_w, p.pad_w);
  Tensor out = empty({s[0], s[1], ho, wo}, x.options());
  indices = empty(out.shape(), {DType::Int64, x.device()});
  dispatch_floating(x.dtype(), "max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* op = out.data<T>();
    std::int64_t* ip = indices.data<std::int64_t>();
    for_each_plane(s[0] * s[1], ho * wo * p.kernel_h * p.kernel_w, [&](std::int64_t plane) {
      const T* in = xp + plane * h * w;
      for (std::int64_t oh = 0; oh < ho; ++oh) {
        for (std::int64_t ow = 0; ow < wo; ++ow) {
          T best = -std::numeric_limits<T>::infinity();
          std::int64_t best_index = -1;
          for (std::int64_t i = 0; i < p.kernel_h; ++i) {
            const std::int64_t ih = oh * p.stride_h - p.pad_h + i;
            if (ih < 0 || ih >= h) continue;
            for (std::int64_t j = 0; j < p.kernel_w; ++j) {
              const std::int64_t iw = ow * p.stride_w - p.pad_w + j;
              if (iw < 0 || iw >= w) continue;
              const T v = in[ih * w + iw];
              // A NaN in the window wins, as in PyTorch: it must not be hidden.
              if (best_index < 0 || v > best || (v != v && best == best)) {
                best = v;
                best_index = ih * w + iw;
              }
            }
          }
          op[(plane * ho + oh) * wo + ow] = best;
          ip[(plane * ho + oh) * wo + ow] = best_index;
        }
      }
    });
  });
  return out;
}

Tensor max_pool2d_backward(const Tensor& grad_in, const Tensor& indices, const Shape& input_shape) {
  const Tensor grad = grad_in.contiguous();
  Tensor gx = zeros(input_shape, grad.options());
  const std::int64_t planes = input_shape[0] * input_shape[1];
  const std::int64_t in_plane = input_shape[2] * input_shape[3];
  const std::int64_t out_plane = grad.shape()[2] * grad.shape()[3];
  dispatch_floating(grad.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gp = grad.data<T>();
    const std::int64_t* ip = indices.data<std::int64_t>();
    T* op = gx.data<T>();
    for_each_plane(planes, out_plane, [&](std::int64_t plane) {
      for (std::int64_t q = 0; q < out_plane; ++q) {
        const std::int64_t at = ip[plane * out_plane + q];
        if (at >= 0) op[plane * in_plane + at] += gp[plane * out_plane + q];
      }
    });
  });
  return gx;
}

Tensor avg_pool2d_forward(const Tensor& x_in, const Pool2dParams& p) {
  const Tensor x = x_in.contiguous();
  const auto& s = x.shape();
  const std::int64_t h = s[2], w = s[3];
  const std::int64_t ho = pool_output_size(h, p.kernel_h, p.stride_h, p.pad_h);
  const std::int64_t wo = pool_output_size(w, p.kernel_w, p.stride_w, p.pad_w);
  Tensor out = empty({s[0], s[1], ho, wo}, x.options());
  dispatch_floating(x.dtype(), "avg_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* op = out.data<T>();
    // count_include_pad: the divisor is the window clipped to the padded input.
    for_each_plane(s[0] * s[1], ho * wo * p.kernel_h * p.kernel_w, [&](std::int64_t plane) {
      const T* in = xp + plane * h * w;
      for (std::int64_t oh = 0; oh < ho; ++oh) {
        for (std::int64_t ow = 0; ow < wo; ++ow) {
          const std::int64_t h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
          const std::int64_t h1 = std::min(h0 + p.kernel_h, h + p.pad_h), w1 = std::min(w0 + p.kernel_w, w + p.pad_w);
          const std::int64_t divisor = (h1 - h0) * (w1 - w0);
          T acc = 0;
          for (std::int64_t ih = std::max<std::int64_t>(h0, 0); ih < std::min(h1, h); ++ih) {
            for (std::int64_t iw = std::max<std::int64_t>(w0, 0); iw < std::min(w1, w); ++iw) acc += in[ih * w + iw];
          }
          op[(plane * ho + oh) * wo + ow] = acc / static_cast<T>(divisor);
        }
      }
    });
  });
  return out;
}

Tensor avg_pool2d_backward(const Tensor& grad_in, const Shape& input_shape, const Pool2dParams& p) {
  const Tensor grad = grad_in.contiguous();
  Tensor gx = zeros(input_shape, grad.options());
  const std::int64_t h = input_shape[2], w = input_shape[3];
  const std::int64_t ho = grad.shape()[2], wo = grad.shape()[3];
  dispatch_floating(grad.dtype(), "avg_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gp = grad.data<T>();
    T* op = gx.data<T>();
    for_each_plane(input_shape[0] * input_shape[1], ho * wo * p.kernel_h * p.kernel_w, [&](std::int64_t plane) {
      T* out = op + plane * h * w;
      for (std::int64_t oh = 0; oh < ho; ++oh) {
        for (std::int64_t ow = 0; ow < wo; ++ow) {
          const std::int64_t h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
          const std::int64_t h1 = std::min(h0 + p.kernel_h, h + p.pad_h), w1 = std::min(w0 + p.kernel_w, w + p.pad_w);
          const T share = gp[(plane * ho + oh) * wo + ow] / static_cast<T>((h1 - h0) * (w1 - w0));
          for (std::int64_t ih = std::max<std::int64_t>(h0, 0); ih < std::min(h1, h); ++ih) {
            for (std::int64_t iw = std::max<std::int64_t>(w0, 0); iw < std::min(w1, w); ++iw) out[ih * w + iw] += share;
          }
        }
      }
    });
  });
  return gx;
}

Tensor adaptive_avg_pool2d_forward(const Tensor& x_in, std::int64_t out_h, std::int64_t out_w) {
  const Tensor x = x_in.contiguous();
  const auto& s = x.shape();
  const std::int64_t h = s[2], w = s[3];
  Tensor out = empty({s[0], s[1], out_h, out_w}, x.options());
  dispatch_floating(x.dtype(), "adaptive_avg_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* op = out.data<T>();
    for_each_plane(s[0] * s[1], h * w, [&](std::int64_t plane) {
      const T* in = xp + plane * h * w;
      for (std::int64_t oh = 0; oh < out_h; ++oh) {
        const std::int64_t h0 = bin_start(oh, h, out_h), h1 = bin_end(oh, h, out_h);
        for (std::int64_t ow = 0; ow < out_w; ++ow) {
          const std::int64_t w0 = bin_start(ow, w, out_w), w1 = bin_end(ow, w, out_w);
          T acc = 0;
          for (std::int64_t ih = h0; ih < h1; ++ih) {
            for (std::int64_t iw = w0; iw < w1; ++iw) acc += in[ih * w + iw];
          }
          op[(plane * out_h + oh) * out_w + ow] = acc / static_cast<T>((h1 - h0) * (w1 - w0));
        }
      }
    });
  });
  return out;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad_in, const Shape& input_shape) {
  const Tensor grad = grad_in.contiguous();
  Tensor gx = zeros(input_shape, grad.options());
  const std::int64_t h = input_shape[2], w = input_shape[3];
  const std::int64_t out_h = grad.shape()[2], out_w = grad.shape()[3];
  dispatch_floating(grad.dtype(), "adaptive_avg_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gp = grad.data<T>();
    T* op = gx.data<T>();
    for_each_plane(input_shape[0] * input_shape[1], h * w, [&](std::int64_t plane) {
      T* out = op + plane * h * w;
      for (std::int64_t oh = 0; oh < out_h; ++oh) {
        const std::int64_t h0 = bin_start(oh, h, out_h), h1 = bin_end(oh, h, out_h);
        for (std::int64_t ow = 0; ow < out_w; ++ow) {
          const std::int64_t w0 = bin_start(ow, w, out_w), w1 = bin_end(ow, w, out_w);
          const T share = gp[(plane * out_h + oh) * out_w + ow] / static_cast<T>((h1 - h0) * (w1 - w0));
          for (std::int64_t ih = h0; ih < h1; ++ih) {
            for (std::int64_t iw = w0; iw < w1; ++iw) out[ih * w + iw] += share;
          }
        }
      }
    });
  });
  return gx;
}

}  // namespace c2am::cpu
