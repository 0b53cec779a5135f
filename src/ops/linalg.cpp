#include "c2am/ops/linalg.hpp"

#include "c2am/ops/elementwise.hpp"

#include "c2am/autograd/node.hpp"
#include "backend/cuda_ops.hpp"
#include "cpu/kernels.hpp"
#include "ops/op_checks.hpp"

namespace c2am {

namespace {

class MatmulBackward : public autograd::Node {
 public:
  MatmulBackward(const Tensor& a, const Tensor& b) : a_(a), b_(b) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    Tensor ga, gb;
    if (edges[0]) ga = matmul(grad, b_.get(name()).transpose(-1, -2));
    if (edges[1]) gb = matmul(a_.get(name()).transpose(-1, -2), grad);
    return {ga, gb};
  }
  const char* name() const override { return "MatmulBackward"; }
  void release() override {
    a_.release();
    b_.release();
  }

 private:
  autograd::SavedTensor a_, b_;
};

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  ops::require_compatible("matmul", {&a, &b});
  C2AM_CHECK((a.dim() == 2 && b.dim() == 2) || (a.dim() == 3 && b.dim() == 3), "matmul",
        "expects two matrices or two batches of matrices, got ", a.describe(), " and ", b.describe());
  const bool batched = a.dim() == 3;
  C2AM_CHECK(a.shape()[a.dim() - 1] == b.shape()[b.dim() - 2] && (!batched || a.shape()[0] == b.shape()[0]), "matmul",
        "shapes do not multiply: ", a.describe(), " and ", b.describe());
  const auto product = [](const Tensor& x, const Tensor& y) {
    return x.device().is_cuda() ? cuda::ops::batched_matmul(x, y) : cpu::batched_matmul(x, y);
  };
  Tensor out;
  if (batched) {
    out = product(a.detach(), b.detach());
  } else {
    // A leading size-1 batch as a stride-0 view keeps transposed layouts free.
    const Tensor a3 = a.detach().expand({1, a.shape()[0], a.shape()[1]});
    const Tensor b3 = b.detach().expand({1, b.shape()[0], b.shape()[1]});
    out = product(a3, b3).reshape({a.shape()[0], b.shape()[1]});
  }
  return autograd::record<MatmulBackward>(out, {a, b}, a, b);
}

}  // namespace c2am

namespace c2am {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  C2AM_CHECK(x.dim() == 2 && weight.dim() == 2 && x.shape()[1] == weight.shape()[1], "linear",
        "expects x [N, in] and weight [out, in], got ", x.describe(), " and ", weight.describe());
  // The transposed weight is a view: the GEMM reads it in place.
  Tensor y = matmul(x, weight.transpose(0, 1));
  if (!bias.defined()) return y;
  C2AM_CHECK(bias.dim() == 1 && bias.shape()[0] == weight.shape()[0], "linear", "bias must be [", weight.shape()[0],
        "], got ", bias.describe());
  return add(y, bias);
}

}  // namespace c2am
