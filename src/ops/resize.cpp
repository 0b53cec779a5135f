#include "c2am/ops/resize.hpp"

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

}  // namespace

Tensor resize_bilinear(const Tensor& x, std::int64_t out_h, std::int64_t out_w) {
  ops::require_compatible("resize_bilinear", {&x});
  ops::require_rank("resize_bilinear", x, 4, "input");
  check(out_h >= 1 && out_w >= 1 && x.shape()[2] >= 1 && x.shape()[3] >= 1, "resize_bilinear", "cannot resize ",
        x.describe(), " to ", out_h, "x", out_w);
  ops::runs_on_cpu("resize_bilinear", x);
  return autograd::record<ResizeBilinearBackward>(cpu::resize_bilinear_forward(x, out_h, out_w), {x}, x.shape()[2],
                                                  x.shape()[3]);
}

}  // namespace c2am
