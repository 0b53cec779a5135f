#include "c2am/ops/normalization.hpp"

#include <limits>

#include "c2am/ops/elementwise.hpp"
#include "c2am/ops/reduction.hpp"

#include "c2am/autograd/node.hpp"
#include "backend/cuda_ops.hpp"
#include "c2am/autograd/grad_mode.hpp"
#include "cpu/kernels.hpp"
#include "ops/op_checks.hpp"

namespace c2am {

namespace {

class BatchNorm2dBackward : public autograd::Node {
 public:
  BatchNorm2dBackward(const Tensor& x, const Tensor& weight, Tensor mean, Tensor invstd, bool training, double eps)
      : x_(x), weight_(weight), mean_(std::move(mean)), invstd_(std::move(invstd)), training_(training), eps_(eps) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    const Tensor x = x_.get(name()), weight = weight_.get(name()), mean = mean_.get(name()),
                 invstd = invstd_.get(name());
    if (grad.device().is_cuda()) return cuda_backward(grad, x, weight, mean, invstd);
    auto grads = cpu::batch_norm2d_backward(grad, x, weight, mean, invstd, training_, eps_);
    return {grads.input, grads.weight, grads.bias};
  }
  const char* name() const override { return "BatchNorm2dBackward"; }
  void release() override {
    x_.release();
    weight_.release();
    mean_.release();
    invstd_.release();
  }

 private:
  // Training: cuDNN with the saved batch statistics. Evaluation: the
  // statistics are constants, so y = x·s + t per channel, composed here.
  std::vector<Tensor> cuda_backward(const Tensor& grad, const Tensor& x, const Tensor& weight, const Tensor& mean,
                                    const Tensor& invstd) const {
    if (training_) {
      auto g = cuda::ops::batch_norm2d_backward_training(grad, x, weight, mean, invstd, eps_);
      return {g.input, g.weight, g.bias};
    }
    const std::int64_t c = x.size(1);
    const Tensor centred = (x - mean.reshape({1, c, 1, 1})) * invstd.reshape({1, c, 1, 1});
    const Tensor scale = weight.defined() ? weight * invstd : invstd;
    return {grad * scale.reshape({1, c, 1, 1}), weight.defined() ? sum(grad * centred, {0, 2, 3}) : Tensor(),
            sum(grad, {0, 2, 3})};
  }

  autograd::SavedTensor x_, weight_, mean_, invstd_;
  bool training_;
  double eps_;
};

class NormalizeBackward : public autograd::Node {
 public:
  NormalizeBackward(const Tensor& rows, Tensor norms, std::vector<std::int64_t> permutation, Shape permuted_shape,
                    double eps)
      : rows_(rows), norms_(std::move(norms)), permutation_(std::move(permutation)),
        permuted_shape_(std::move(permuted_shape)), eps_(eps) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    ops::runs_on_cpu(name(), grad);
    const Tensor rows = rows_.get(name());
    const Tensor grad_rows = grad.permute(permutation_).contiguous().reshape(rows.shape());
    const Tensor g = cpu::normalize_rows_backward(grad_rows, rows, norms_.get(name()), eps_);
    return {g.reshape(permuted_shape_).permute(inverse())};
  }
  const char* name() const override { return "NormalizeBackward"; }
  void release() override {
    rows_.release();
    norms_.release();
  }

 private:
  std::vector<std::int64_t> inverse() const {
    std::vector<std::int64_t> inv(permutation_.size());
    for (std::size_t i = 0; i < inv.size(); ++i) inv[permutation_[i]] = static_cast<std::int64_t>(i);
    return inv;
  }
  autograd::SavedTensor rows_, norms_;
  std::vector<std::int64_t> permutation_;
  Shape permuted_shape_;
  double eps_;
};

}  // namespace

Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                    const Tensor& running_var, const BatchNormParams& params) {
  ops::require_compatible("batch_norm2d", {&x, &weight, &bias, &running_mean, &running_var});
  ops::require_rank("batch_norm2d", x, 4, "input");
  const std::int64_t channels = x.shape()[1];
  for (const Tensor* t : {&weight, &bias, &running_mean, &running_var}) {
    C2AM_CHECK(!t->defined() || t->shape() == Shape{channels}, "batch_norm2d", "per-channel tensor ", t->describe(),
          " does not match the ", channels, " channels of input ", x.describe());
  }
  check(running_mean.defined() == running_var.defined(), "batch_norm2d",
        "running_mean and running_var must be given together");
  check(params.training || running_mean.defined(), "batch_norm2d", "evaluation mode needs running statistics");
  C2AM_CHECK(!params.training || x.numel() / std::max<std::int64_t>(channels, 1) > 1, "batch_norm2d",
        "training needs more than one value per channel, got input ", x.describe());
  check(!running_mean.defined() || (!running_mean.requires_grad() && !running_var.requires_grad()), "batch_norm2d",
        "running statistics must not require grad");
  if (x.device().is_cuda()) {
    auto forward = cuda::ops::batch_norm2d_forward(x.detach(), weight, bias, running_mean, running_var, params);
    if (!params.training) {
      NoGradGuard no_grad;
      forward.mean = running_mean.detach().clone();
      forward.invstd = 1.0 / sqrt(running_var.detach() + params.eps);
    }
    return autograd::record<BatchNorm2dBackward>(forward.output, {x, weight, bias}, x, weight, forward.mean,
                                                 forward.invstd, params.training, params.eps);
  }
  auto forward = cpu::batch_norm2d_forward(x, weight, bias, running_mean, running_var, params);
  return autograd::record<BatchNorm2dBackward>(forward.output, {x, weight, bias}, x, weight, forward.mean,
                                               forward.invstd, params.training, params.eps);
}

Tensor normalize(const Tensor& x, std::int64_t dim, double eps) {
  ops::require_compatible("normalize", {&x});
  check(eps > 0.0, "normalize", "eps must be positive, got ", eps);
  dim = wrap_dim(dim, x.dim(), "normalize");
  if (x.device().is_cuda()) {
    // Composed from differentiable ops until a fused kernel exists. Clamping
    // the squared norm (not the norm) keeps the gradient of a zero row finite.
    const Tensor squared = sum(x * x, {dim}, true);
    return x / sqrt(clamp(squared, eps * eps, std::numeric_limits<double>::infinity()));
  }
  std::vector<std::int64_t> permutation;
  for (std::int64_t d = 0; d < x.dim(); ++d) {
    if (d != dim) permutation.push_back(d);
  }
  permutation.push_back(dim);
  const Tensor permuted = x.detach().permute(permutation);
  const Shape permuted_shape = permuted.shape();
  const std::int64_t length = x.shape()[dim];
  const Tensor rows = permuted.contiguous().reshape({x.numel() / std::max<std::int64_t>(length, 1), length});
  Tensor norms;
  const Tensor y_rows = cpu::normalize_rows_forward(rows, eps, norms);
  std::vector<std::int64_t> inverse(permutation.size());
  for (std::size_t i = 0; i < inverse.size(); ++i) inverse[permutation[i]] = static_cast<std::int64_t>(i);
  Tensor out = y_rows.reshape(permuted_shape).permute(inverse).contiguous();
  return autograd::record<NormalizeBackward>(out, {x}, y_rows, norms, permutation, permuted_shape, eps);
}

}  // namespace c2am
