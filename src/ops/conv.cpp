#include "c2am/ops/conv.hpp"

#include "c2am/autograd/node.hpp"
#include "backend/cuda_ops.hpp"
#include "c2am/autograd/grad_mode.hpp"
#include "c2am/ops/elementwise.hpp"
#include "c2am/ops/reduction.hpp"
#include "cpu/kernels.hpp"
#include "ops/op_checks.hpp"

namespace c2am {

std::int64_t conv_output_size(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t pad,
                              std::int64_t dilation, const char* op) {
  check(stride >= 1 && pad >= 0 && dilation >= 1 && kernel >= 1, op, "invalid geometry: kernel ", kernel,
        ", stride ", stride, ", padding ", pad, ", dilation ", dilation);
  const std::int64_t out = (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
  check(in + 2 * pad - dilation * (kernel - 1) - 1 >= 0 && out >= 1, op, "input size ", in,
        " is too small for kernel ", kernel, " (dilation ", dilation, ", padding ", pad, ")");
  return out;
}

namespace {

class Conv2dBackward : public autograd::Node {
 public:
  Conv2dBackward(const Tensor& x, const Tensor& weight, const Conv2dParams& params)
      : x_(x), weight_(weight), params_(params) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    const Tensor x = x_.get(name()), weight = weight_.get(name());
    if (grad.device().is_cuda()) {
      Tensor gx, gw, gb;
      if (edges[0]) gx = cuda::ops::conv2d_backward_input(grad, weight, params_, x.shape());
      if (edges[1]) gw = cuda::ops::conv2d_backward_weight(grad, x, params_, weight.shape());
      if (edges[2]) gb = sum(grad, {0, 2, 3});
      return {gx, gw, gb};
    }
    auto grads = cpu::conv2d_backward(grad, x, weight, params_, edges[0] != nullptr, edges[1] != nullptr,
                                      edges[2] != nullptr);
    return {grads.input, grads.weight, grads.bias};
  }
  const char* name() const override { return "Conv2dBackward"; }
  void release() override {
    x_.release();
    weight_.release();
  }

 private:
  autograd::SavedTensor x_, weight_;
  Conv2dParams params_;
};

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& params) {
  ops::require_compatible("conv2d", {&x, &weight, &bias});
  ops::require_rank("conv2d", x, 4, "input");
  ops::require_rank("conv2d", weight, 4, "weight");
  C2AM_CHECK(x.shape()[1] == weight.shape()[1], "conv2d", "input ", x.describe(), " has ", x.shape()[1],
        " channels but weight ", weight.describe(), " expects ", weight.shape()[1]);
  C2AM_CHECK(x.shape()[0] >= 1, "conv2d", "empty batch in ", x.describe());
  if (bias.defined()) {
    C2AM_CHECK(bias.dim() == 1 && bias.shape()[0] == weight.shape()[0], "conv2d", "bias ", bias.describe(),
          " does not match weight ", weight.describe());
  }
  const std::int64_t oh =
      conv_output_size(x.shape()[2], weight.shape()[2], params.stride_h, params.pad_h, params.dilation_h, "conv2d");
  const std::int64_t ow =
      conv_output_size(x.shape()[3], weight.shape()[3], params.stride_w, params.pad_w, params.dilation_w, "conv2d");
  Tensor out;
  if (x.device().is_cuda()) {
    NoGradGuard no_grad;  // the node below records the whole op
    out = cuda::ops::conv2d_forward(x.detach(), weight.detach(), params, {x.shape()[0], weight.shape()[0], oh, ow});
    if (bias.defined()) out = out + bias.detach().reshape({1, weight.shape()[0], 1, 1});
  } else {
    out = cpu::conv2d_forward(x, weight, bias, params);
  }
  return autograd::record<Conv2dBackward>(out, {x, weight, bias}, x, weight, params);
}

}  // namespace c2am
