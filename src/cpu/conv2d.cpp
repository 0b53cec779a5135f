// The reference convolution (float64, builds without oneDNN, and
// C2AM_CPU_ENGINE=reference; float32 otherwise goes to cpu/onednn/conv.cpp):
// im2col + GEMM, with two ways to keep the cores busy:
//  - large feature maps (e.g. 56x56) in a batch of at least one image per
//    thread: threads take whole images, each running its own single-threaded
//    GEMM (no synchronization inside a GEMM, no copies between layouts);
//  - small feature maps (7x7, 14x14): images are processed in groups whose
//    columns are laid side by side, so the GEMM is wide enough to run near
//    the machine's GEMM rate with Eigen's own threading.
// A 1x1, stride-1, unpadded convolution of a single image uses its input
// directly as the column matrix.

#include <omp.h>

#include <algorithm>

#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"
#include "cpu/onednn/ops.hpp"
#include "cpu/strided.hpp"

namespace c2am::cpu {

namespace {

// Aim for GEMMs at least this wide (columns = images in group x output pixels).
constexpr std::int64_t kTargetGemmColumns = 4096;
// Output pixels per image from which one image is enough work for a thread.
constexpr std::int64_t kPerImageMinPixels = 512;

struct ConvGeometry {
  std::int64_t n, c, h, w, co, kh, kw, ho, wo;
  Conv2dParams p;

  std::int64_t patch() const { return c * kh * kw; }       // rows of a column matrix
  std::int64_t pixels() const { return ho * wo; }           // output pixels per image
  bool pointwise() const {
    return kh == 1 && kw == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 && p.pad_w == 0;
  }
  std::int64_t group_size() const {
    return std::clamp<std::int64_t>((kTargetGemmColumns + pixels() - 1) / pixels(), 1, n);
  }
  // Whether threads should take whole images (see the file comment).
  bool image_parallel() const {
    const std::int64_t threads = omp_get_max_threads();
    return threads > 1 && n >= threads && pixels() >= kPerImageMinPixels;
  }
};

ConvGeometry geometry(const Tensor& x, const Tensor& weight, const Conv2dParams& p) {
  const auto& xs = x.shape();
  const auto& ws = weight.shape();
  const std::int64_t ho = conv_output_size(xs[2], ws[2], p.stride_h, p.pad_h, p.dilation_h, "conv2d");
  const std::int64_t wo = conv_output_size(xs[3], ws[3], p.stride_w, p.pad_w, p.dilation_w, "conv2d");
  return {xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], ho, wo, p};
}

// Columns of `group` images starting at `first`: col[(c*kh+i)*kw+j][g*pixels + oh*wo + ow].
template <typename T>
void im2col(const ConvGeometry& g, const T* x, std::int64_t first, std::int64_t group, T* col) {
  const std::int64_t ld = group * g.pixels();
  const std::int64_t tasks = group * g.patch();
#pragma omp parallel for schedule(static) if (tasks * g.pixels() >= kParallelGrain)
  for (std::int64_t task = 0; task < tasks; ++task) {
    const std::int64_t img = task / g.patch(), row = task % g.patch();
    const std::int64_t c = row / (g.kh * g.kw), ki = (row / g.kw) % g.kh, kj = row % g.kw;
    const T* plane = x + ((first + img) * g.c + c) * g.h * g.w;
    T* out = col + row * ld + img * g.pixels();
    for (std::int64_t oh = 0; oh < g.ho; ++oh) {
      const std::int64_t ih = oh * g.p.stride_h - g.p.pad_h + ki * g.p.dilation_h;
      T* out_row = out + oh * g.wo;
      if (ih < 0 || ih >= g.h) {
        std::fill(out_row, out_row + g.wo, T(0));
        continue;
      }
      const T* in_row = plane + ih * g.w;
      for (std::int64_t ow = 0; ow < g.wo; ++ow) {
        const std::int64_t iw = ow * g.p.stride_w - g.p.pad_w + kj * g.p.dilation_w;
        out_row[ow] = (iw >= 0 && iw < g.w) ? in_row[iw] : T(0);
      }
    }
  }
}

// Writes the input gradient of `group` images from their columns; the
// inverse of im2col (overlapping windows add up).
template <typename T>
void col2im(const ConvGeometry& g, const T* col, std::int64_t first, std::int64_t group, T* gx) {
  const std::int64_t ld = group * g.pixels();
  const std::int64_t tasks = group * g.c;  // one input plane per task: no write conflicts
#pragma omp parallel for schedule(static) if (tasks * g.patch() / g.c * g.pixels() >= kParallelGrain)
  for (std::int64_t task = 0; task < tasks; ++task) {
    const std::int64_t img = task / g.c, c = task % g.c;
    T* plane = gx + ((first + img) * g.c + c) * g.h * g.w;
    std::fill(plane, plane + g.h * g.w, T(0));
    for (std::int64_t ki = 0; ki < g.kh; ++ki) {
      for (std::int64_t kj = 0; kj < g.kw; ++kj) {
        const T* in = col + ((c * g.kh + ki) * g.kw + kj) * ld + img * g.pixels();
        for (std::int64_t oh = 0; oh < g.ho; ++oh) {
          const std::int64_t ih = oh * g.p.stride_h - g.p.pad_h + ki * g.p.dilation_h;
          if (ih < 0 || ih >= g.h) continue;
          T* out_row = plane + ih * g.w;
          const T* in_row = in + oh * g.wo;
          for (std::int64_t ow = 0; ow < g.wo; ++ow) {
            const std::int64_t iw = ow * g.p.stride_w - g.p.pad_w + kj * g.p.dilation_w;
            if (iw >= 0 && iw < g.w) out_row[iw] += in_row[ow];
          }
        }
      }
    }
  }
}

// Copies [co, group*pixels] (image-major columns) to/from [group, co, pixels].
template <typename T>
void columns_to_images(const T* wide, std::int64_t co, std::int64_t group, std::int64_t pixels, T* images) {
#pragma omp parallel for collapse(2) schedule(static) if (co * group * pixels >= kParallelGrain)
  for (std::int64_t img = 0; img < group; ++img) {
    for (std::int64_t o = 0; o < co; ++o) {
      std::copy_n(wide + o * group * pixels + img * pixels, pixels, images + (img * co + o) * pixels);
    }
  }
}

template <typename T>
void images_to_columns(const T* images, std::int64_t co, std::int64_t group, std::int64_t pixels, T* wide) {
#pragma omp parallel for collapse(2) schedule(static) if (co * group * pixels >= kParallelGrain)
  for (std::int64_t img = 0; img < group; ++img) {
    for (std::int64_t o = 0; o < co; ++o) {
      std::copy_n(images + (img * co + o) * pixels, pixels, wide + o * group * pixels + img * pixels);
    }
  }
}

// Forward, one image per thread at a time.
template <typename T>
void forward_per_image(const ConvGeometry& g, const T* xp, const T* wp, T* op) {
  const bool direct = g.pointwise();
#pragma omp parallel
  {
    std::vector<T> col(direct ? 0 : static_cast<std::size_t>(g.patch() * g.pixels()));
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < g.n; ++i) {
      const T* columns = direct ? xp + i * g.c * g.h * g.w : col.data();
      if (!direct) im2col(g, xp, i, 1, col.data());
      gemm<T>(false, false, g.co, g.pixels(), g.patch(), T(1), wp, g.patch(), columns, g.pixels(), T(0),
              op + i * g.co * g.pixels(), g.pixels());
    }
  }
}

// Forward, groups of images side by side in one wide GEMM.
template <typename T>
void forward_grouped(const ConvGeometry& g, const T* xp, const T* wp, T* op) {
  const std::int64_t group = g.group_size();
  const bool direct = g.pointwise() && group == 1;
  std::vector<T> col(direct ? 0 : static_cast<std::size_t>(g.patch() * group * g.pixels()));
  std::vector<T> wide(group > 1 ? static_cast<std::size_t>(g.co * group * g.pixels()) : 0);
  for (std::int64_t first = 0; first < g.n; first += group) {
    const std::int64_t count = std::min(group, g.n - first);
    const T* columns = direct ? xp + first * g.c * g.h * g.w : col.data();
    if (!direct) im2col(g, xp, first, count, col.data());
    T* target = count > 1 ? wide.data() : op + first * g.co * g.pixels();
    gemm<T>(false, false, g.co, count * g.pixels(), g.patch(), T(1), wp, g.patch(), columns, count * g.pixels(), T(0),
            target, count * g.pixels());
    if (count > 1) columns_to_images(wide.data(), g.co, count, g.pixels(), op + first * g.co * g.pixels());
  }
}

// Backward, one image per thread at a time. Each thread sums its images'
// weight gradients privately; the partial sums are added in thread order,
// so the result does not depend on timing.
template <typename T>
void backward_per_image(const ConvGeometry& g, const T* xp, const T* wp, const T* gp, T* gx, T* gw) {
  const bool direct = g.pointwise();
  const std::int64_t weight_size = g.co * g.patch();
  std::vector<std::vector<T>> partial_weight(static_cast<std::size_t>(omp_get_max_threads()));
#pragma omp parallel
  {
    std::vector<T> col(direct ? 0 : static_cast<std::size_t>(g.patch() * g.pixels()));
    std::vector<T>& my_weight = partial_weight[static_cast<std::size_t>(omp_get_thread_num())];
    if (gw) my_weight.assign(static_cast<std::size_t>(weight_size), T(0));
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < g.n; ++i) {
      const T* grad_i = gp + i * g.co * g.pixels();
      if (gw) {
        const T* cols = direct ? xp + i * g.c * g.h * g.w : col.data();
        if (!direct) im2col(g, xp, i, 1, col.data());
        gemm<T>(false, true, g.co, g.patch(), g.pixels(), T(1), grad_i, g.pixels(), cols, g.pixels(), T(1),
                my_weight.data(), g.patch());
      }
      if (gx) {
        T* target = direct ? gx + i * g.c * g.h * g.w : col.data();
        gemm<T>(true, false, g.patch(), g.pixels(), g.co, T(1), wp, g.patch(), grad_i, g.pixels(), T(0), target,
                g.pixels());
        if (!direct) col2im(g, col.data(), i, 1, gx);
      }
    }
  }
  if (!gw) return;
  std::fill(gw, gw + weight_size, T(0));
  for (const auto& part : partial_weight) {
    if (part.empty()) continue;
    for (std::int64_t k = 0; k < weight_size; ++k) gw[k] += part[k];
  }
}

// Backward, groups of images side by side in wide GEMMs.
template <typename T>
void backward_grouped(const ConvGeometry& g, const T* xp, const T* wp, const T* gp, T* gx, T* gw) {
  const std::int64_t group = g.group_size();
  const bool direct = g.pointwise() && group == 1;
  std::vector<T> col(direct ? 0 : static_cast<std::size_t>(g.patch() * group * g.pixels()));
  std::vector<T> wide(group > 1 ? static_cast<std::size_t>(g.co * group * g.pixels()) : 0);
  for (std::int64_t first = 0; first < g.n; first += group) {
    const std::int64_t count = std::min(group, g.n - first);
    const std::int64_t columns = count * g.pixels();
    const T* grad_cols = gp + first * g.co * g.pixels();
    if (count > 1) {
      images_to_columns(grad_cols, g.co, count, g.pixels(), wide.data());
      grad_cols = wide.data();
    }
    if (gw) {
      const T* cols = direct ? xp + first * g.c * g.h * g.w : col.data();
      if (!direct) im2col(g, xp, first, count, col.data());
      gemm<T>(false, true, g.co, g.patch(), columns, T(1), grad_cols, columns, cols, columns,
              first == 0 ? T(0) : T(1), gw, g.patch());
    }
    if (gx) {
      if (direct) {
        gemm<T>(true, false, g.patch(), columns, g.co, T(1), wp, g.patch(), grad_cols, columns, T(0),
                gx + first * g.c * g.h * g.w, columns);
      } else {
        gemm<T>(true, false, g.patch(), columns, g.co, T(1), wp, g.patch(), grad_cols, columns, T(0), col.data(),
                columns);
        col2im(g, col.data(), first, count, gx);
      }
    }
  }
}

}  // namespace

Tensor conv2d_forward(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias, const Conv2dParams& p) {
  if (onednn::handles(x_in)) return onednn::conv2d_forward(x_in, weight_in, bias, p);
  const Tensor x = x_in.contiguous();
  const Tensor weight = weight_in.contiguous();
  const ConvGeometry g = geometry(x, weight, p);
  Tensor out = empty({g.n, g.co, g.ho, g.wo}, x.options());
  dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    T* op = out.data<T>();
    if (g.image_parallel()) {
      forward_per_image(g, x.data<T>(), weight.data<T>(), op);
    } else {
      forward_grouped(g, x.data<T>(), weight.data<T>(), op);
    }
    if (bias.defined()) {
      const Tensor b = bias.contiguous();
      const T* bp = b.data<T>();
#pragma omp parallel for collapse(2) schedule(static) if (out.numel() >= kParallelGrain)
      for (std::int64_t i = 0; i < g.n; ++i) {
        for (std::int64_t o = 0; o < g.co; ++o) {
          T* plane = op + (i * g.co + o) * g.pixels();
          for (std::int64_t q = 0; q < g.pixels(); ++q) plane[q] += bp[o];
        }
      }
    }
  });
  return out;
}

Conv2dGrads conv2d_backward(const Tensor& grad_in, const Tensor& x_in, const Tensor& weight_in,
                            const Conv2dParams& p, bool need_input, bool need_weight, bool need_bias) {
  if (onednn::handles(x_in)) {
    return onednn::conv2d_backward(grad_in, x_in, weight_in, p, need_input, need_weight, need_bias);
  }
  const Tensor grad = grad_in.contiguous();
  const Tensor x = x_in.contiguous();
  const Tensor weight = weight_in.contiguous();
  const ConvGeometry g = geometry(x, weight, p);
  Conv2dGrads grads;
  // Every element of the input gradient is written below (GEMM with beta 0
  // or col2im), so it starts uninitialized.
  if (need_input) grads.input = empty(x.shape(), x.options());
  if (need_weight) grads.weight = empty(weight.shape(), weight.options());
  if (need_bias) grads.bias = sum_rows(grad.transpose(0, 1).contiguous().reshape({g.co, -1}));
  if (!need_input && !need_weight) return grads;
  dispatch_floating(x.dtype(), "conv2d_backward", [&](auto tag) {
    using T = decltype(tag);
    T* gx = need_input ? grads.input.template data<T>() : nullptr;
    T* gw = need_weight ? grads.weight.template data<T>() : nullptr;
    if (g.image_parallel()) {
      backward_per_image(g, x.data<T>(), weight.data<T>(), grad.data<T>(), gx, gw);
    } else {
      backward_grouped(g, x.data<T>(), weight.data<T>(), grad.data<T>(), gx, gw);
    }
  });
  return grads;
}

}  // namespace c2am::cpu
