#include "c2am/ops/pooling.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "c2am/autograd/node.hpp"
#include "backend/cuda_ops.hpp"
#include "c2am/ops/linalg.hpp"
#include "c2am/ops/reduction.hpp"
#include "c2am/ops/shape_ops.hpp"
#include "cpu/kernels.hpp"
#include "ops/op_checks.hpp"

namespace c2am {

namespace {

void check_pool(const char* op, const Tensor& x, const Pool2dParams& p) {
  ops::require_compatible(op, {&x});
  ops::require_rank(op, x, 4, "input");
  check(p.kernel_h >= 1 && p.kernel_w >= 1 && p.stride_h >= 1 && p.stride_w >= 1, op, "kernel and stride must be >= 1");
  check(p.pad_h >= 0 && p.pad_w >= 0 && 2 * p.pad_h <= p.kernel_h && 2 * p.pad_w <= p.kernel_w, op,
        "padding must be between 0 and half the kernel size");
  C2AM_CHECK(x.shape()[2] + 2 * p.pad_h >= p.kernel_h && x.shape()[3] + 2 * p.pad_w >= p.kernel_w, op, "input ",
        x.describe(), " is smaller than the ", p.kernel_h, "x", p.kernel_w, " window");
}

// [out, in]: row o averages PyTorch's adaptive bin [floor(o·in/out), ceil((o+1)·in/out)).
Tensor adaptive_bins_matrix(std::int64_t in, std::int64_t out, const TensorOptions& options) {
  std::vector<double> m(static_cast<std::size_t>(out * in), 0.0);
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t start = (o * in) / out, end = ((o + 1) * in + out - 1) / out;
    for (std::int64_t i = start; i < end; ++i) m[o * in + i] = 1.0 / static_cast<double>(end - start);
  }
  return from_vector<double>(m, {out, in}, options.dtype).to(options.device);
}

// GPU pooling keeps the input and output for cuDNN's backward.
class CudnnPool2dBackward : public autograd::Node {
 public:
  CudnnPool2dBackward(bool is_max, const Tensor& x, const Tensor& y, Pool2dParams params)
      : is_max_(is_max), x_(x), y_(y), params_(params) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    return {cuda::ops::pool2d_backward(is_max_, grad, x_.get(name()), y_.get(name()), params_)};
  }
  const char* name() const override { return is_max_ ? "MaxPool2dBackward" : "AvgPool2dBackward"; }
  void release() override {
    x_.release();
    y_.release();
  }

 private:
  bool is_max_;
  autograd::SavedTensor x_, y_;
  Pool2dParams params_;
};

Tensor cuda_pool(bool is_max, const Tensor& x, const Pool2dParams& p) {
  const Shape out_shape{x.shape()[0], x.shape()[1], (x.shape()[2] + 2 * p.pad_h - p.kernel_h) / p.stride_h + 1,
                        (x.shape()[3] + 2 * p.pad_w - p.kernel_w) / p.stride_w + 1};
  Tensor y = cuda::ops::pool2d_forward(is_max, x.detach(), p, out_shape);
  return autograd::record<CudnnPool2dBackward>(y, {x}, is_max, x, y, p);
}

class MaxPool2dBackward : public autograd::Node {
 public:
  MaxPool2dBackward(Tensor indices, Shape input_shape) : indices_(std::move(indices)), input_shape_(std::move(input_shape)) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    ops::runs_on_cpu(name(), grad);
    return {cpu::max_pool2d_backward(grad, indices_, input_shape_)};
  }
  const char* name() const override { return "MaxPool2dBackward"; }
  void release() override { indices_ = Tensor(); }

 private:
  Tensor indices_;  // int64 window winners, owned by this node
  Shape input_shape_;
};

class AvgPool2dBackward : public autograd::Node {
 public:
  AvgPool2dBackward(Shape input_shape, Pool2dParams params) : input_shape_(std::move(input_shape)), params_(params) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    ops::runs_on_cpu(name(), grad);
    return {cpu::avg_pool2d_backward(grad, input_shape_, params_)};
  }
  const char* name() const override { return "AvgPool2dBackward"; }

 private:
  Shape input_shape_;
  Pool2dParams params_;
};

class AdaptiveAvgPool2dBackward : public autograd::Node {
 public:
  explicit AdaptiveAvgPool2dBackward(Shape input_shape) : input_shape_(std::move(input_shape)) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    ops::runs_on_cpu(name(), grad);
    return {cpu::adaptive_avg_pool2d_backward(grad, input_shape_)};
  }
  const char* name() const override { return "AdaptiveAvgPool2dBackward"; }

 private:
  Shape input_shape_;
};

// ceil_mode as PyTorch's pooling_output_shape: the rows (columns) a
// ceil-mode output needs beyond the input and its symmetric padding.
std::int64_t ceil_mode_extra(std::int64_t size, std::int64_t kernel, std::int64_t stride, std::int64_t pad) {
  std::int64_t out = (size + 2 * pad - kernel + stride - 1) / stride + 1;
  if ((out - 1) * stride >= size + pad) --out;
  return std::max<std::int64_t>(0, (out - 1) * stride + kernel - (size + 2 * pad));
}

// x with `rows` rows and `cols` columns of -infinity appended at the bottom
// and right: never a window's maximum, so floor-mode pooling of it is
// ceil-mode pooling of x on every device.
Tensor pad_bottom_right_with_minus_infinity(const Tensor& x, std::int64_t rows, std::int64_t cols) {
  Tensor out = x;
  const auto& s = x.shape();
  if (rows > 0) out = cat({out, full({s[0], s[1], rows, out.shape()[3]}, -INFINITY, x.options())}, 2);
  if (cols > 0) out = cat({out, full({s[0], s[1], out.shape()[2], cols}, -INFINITY, x.options())}, 3);
  return out;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, const Pool2dParams& params) {
  check_pool("max_pool2d", x, params);
  if (params.ceil_mode) {
    Pool2dParams floor_mode = params;
    floor_mode.ceil_mode = false;
    const std::int64_t rows = ceil_mode_extra(x.shape()[2], params.kernel_h, params.stride_h, params.pad_h);
    const std::int64_t cols = ceil_mode_extra(x.shape()[3], params.kernel_w, params.stride_w, params.pad_w);
    return max_pool2d(pad_bottom_right_with_minus_infinity(x, rows, cols), floor_mode);
  }
  if (x.device().is_cuda()) return cuda_pool(true, x, params);
  Tensor indices;
  Tensor out = cpu::max_pool2d_forward(x, params, indices);
  return autograd::record<MaxPool2dBackward>(out, {x}, indices, x.shape());
}

Tensor avg_pool2d(const Tensor& x, const Pool2dParams& params) {
  check_pool("avg_pool2d", x, params);
  check(!params.ceil_mode, "avg_pool2d", "ceil_mode is supported for max pooling only");
  if (x.device().is_cuda()) return cuda_pool(false, x, params);
  return autograd::record<AvgPool2dBackward>(cpu::avg_pool2d_forward(x, params), {x}, x.shape(), params);
}

Tensor adaptive_avg_pool2d(const Tensor& x, std::int64_t out_h, std::int64_t out_w) {
  ops::require_compatible("adaptive_avg_pool2d", {&x});
  ops::require_rank("adaptive_avg_pool2d", x, 4, "input");
  C2AM_CHECK(out_h >= 1 && out_w >= 1 && x.shape()[2] >= 1 && x.shape()[3] >= 1, "adaptive_avg_pool2d",
        "output ", out_h, "x", out_w, " or input ", x.describe(), " is empty");
  // Global pooling on the GPU is a mean; other bins two products with the
  // bins' averaging matrices (their backward through autograd).
  if (x.device().is_cuda() && out_h == 1 && out_w == 1) return mean(x, {2, 3}, true);
  if (x.device().is_cuda()) {
    const std::int64_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
    const Tensor ph = adaptive_bins_matrix(h, out_h, x.options()).unsqueeze(0).expand({n * c, out_h, h});
    const Tensor pw = adaptive_bins_matrix(w, out_w, x.options()).transpose(0, 1).unsqueeze(0).expand({n * c, w, out_w});
    return matmul(matmul(ph, x.reshape({n * c, h, w})), pw).reshape({n, c, out_h, out_w});
  }
  return autograd::record<AdaptiveAvgPool2dBackward>(cpu::adaptive_avg_pool2d_forward(x, out_h, out_w), {x},
                                                     x.shape());
}

}  // namespace c2am
