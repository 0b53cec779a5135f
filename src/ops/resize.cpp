#include "c2am/ops/resize.hpp"

#include <algorithm>
#include <vector>

#include "c2am/ops/linalg.hpp"

#include "c2am/autograd/node.hpp"
#include "cpu/kernels.hpp"
#include "ops/op_checks.hpp"

namespace c2am {

namespace {

class ResizeBilinearBackward : public autograd::Node {
 public:
  ResizeBilinearBackward(std::int64_t in_h, std::int64_t in_w) : in_h_(in_h), in_w_(in_w) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    ops::runs_on_cpu(name(), grad);
    return {cpu::resize_bilinear_backward(grad, in_h_, in_w_)};
  }
  const char* name() const override { return "ResizeBilinearBackward"; }

 private:
  std::int64_t in_h_, in_w_;
};

// The [out, in] matrix of 1-D bilinear interpolation, with PyTorch's source
// coordinates (see resize.hpp).
Tensor interpolation_matrix(std::int64_t in, std::int64_t out, const TensorOptions& options, bool align_corners) {
  std::vector<double> w(static_cast<std::size_t>(out * in), 0.0);
  for (std::int64_t d = 0; d < out; ++d) {
    const double s =
        align_corners ? (out > 1 ? static_cast<double>(d) * static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0)
                      : std::max(0.0, (d + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5);
    const std::int64_t i0 = std::min(static_cast<std::int64_t>(s), in - 1), i1 = std::min(i0 + 1, in - 1);
    const double frac = s - static_cast<double>(i0);
    w[d * in + i0] += 1.0 - frac;
    w[d * in + i1] += frac;
  }
  return from_vector<double>(w, {out, in}, options.dtype).to(options.device);
}

// On the GPU the resize is two matrix products, Wh · X · Wwᵀ per image, so
// its backward is two more (deterministic, no atomics) through autograd.
Tensor resize_by_matmul(const Tensor& x, std::int64_t out_h, std::int64_t out_w, bool align_corners) {
  const std::int64_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  const Tensor wh = interpolation_matrix(h, out_h, x.options(), align_corners).unsqueeze(0).expand({n * c, out_h, h});
  const Tensor ww =
      interpolation_matrix(w, out_w, x.options(), align_corners).transpose(0, 1).unsqueeze(0).expand({n * c, w, out_w});
  return matmul(matmul(wh, x.reshape({n * c, h, w})), ww).reshape({n, c, out_h, out_w});
}

}  // namespace

Tensor resize_bilinear(const Tensor& x, std::int64_t out_h, std::int64_t out_w, bool align_corners) {
  ops::require_compatible("resize_bilinear", {&x});
  ops::require_rank("resize_bilinear", x, 4, "input");
  C2AM_CHECK(out_h >= 1 && out_w >= 1 && x.shape()[2] >= 1 && x.shape()[3] >= 1, "resize_bilinear", "cannot resize ",
        x.describe(), " to ", out_h, "x", out_w);
  if (x.device().is_cuda() || align_corners) return resize_by_matmul(x, out_h, out_w, align_corners);
  return autograd::record<ResizeBilinearBackward>(cpu::resize_bilinear_forward(x, out_h, out_w), {x}, x.shape()[2],
                                                  x.shape()[3]);
}

}  // namespace c2am
