#include "c2am/loss/supervised.hpp"

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/autograd/node.hpp"
#include "c2am/core/error.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am {

namespace {

// d/dx = (sigmoid(x) − y)·scale; the targets get no gradient.
class BceWithLogitsBackward : public autograd::Node {
 public:
  BceWithLogitsBackward(const Tensor& logits, const Tensor& targets, double scale)
      : logits_(logits), targets_(targets), scale_(scale) {}
  std::vector<Tensor> apply(const Tensor& grad_output) override {
    const Tensor x = logits_.get(name()), y = targets_.get(name());
    return {(sigmoid(x) - y) * (grad_output * scale_), Tensor()};
  }
  const char* name() const override { return "bce_with_logits_sum"; }
  void release() override { logits_.release(), targets_.release(); }

 private:
  autograd::SavedTensor logits_, targets_;
  double scale_;
};

}  // namespace

Tensor log_softmax(const Tensor& logits) {
  C2AM_CHECK(logits.dim() == 2 && logits.shape()[1] >= 1, "log_softmax", "expects logits [N, K], got ",
        logits.describe());
  // The shift is a constant: log_softmax(x − m) = log_softmax(x) for any m,
  // so no gradient needs to flow through the maximum.
  const Tensor shifted = logits - max(logits, {1}, true).detach();
  return shifted - log(sum(exp(shifted), {1}, true));
}

Tensor cross_entropy(const Tensor& logits, const std::vector<std::int64_t>& labels) {
  C2AM_CHECK(logits.dim() == 2, "cross_entropy", "expects logits [N, K], got ", logits.describe());
  const std::int64_t n = logits.shape()[0], classes = logits.shape()[1];
  C2AM_CHECK(n >= 1, "cross_entropy", "needs at least one row, got ", logits.describe());
  check(static_cast<std::int64_t>(labels.size()) == n, "cross_entropy", "got ", labels.size(), " labels for ", n,
        " rows of logits");
  // The label entries are picked by a one-hot mask: one multiply, no gather op.
  std::vector<double> one_hot(static_cast<std::size_t>(n * classes), 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t label = labels[static_cast<std::size_t>(i)];
    check(label >= 0 && label < classes, "cross_entropy", "label ", label, " of row ", i, " is outside [0, ",
          classes, ")");
    one_hot[static_cast<std::size_t>(i * classes + label)] = 1.0;
  }
  const Tensor mask = from_vector(one_hot, {n, classes}, {logits.dtype(), logits.device()});
  return sum(log_softmax(logits) * mask) * (-1.0 / static_cast<double>(n));
}

Tensor mse_loss(const Tensor& prediction, const Tensor& target) {
  C2AM_CHECK(prediction.shape() == target.shape(), "mse_loss", "prediction ", prediction.describe(), " and target ",
        target.describe(), " differ in shape");
  C2AM_CHECK(prediction.numel() > 0, "mse_loss", "empty input ", prediction.describe());
  const Tensor difference = prediction - target;
  return mean(difference * difference);
}

Tensor bce_with_logits_sum(const Tensor& logits, const Tensor& targets, double scale) {
  C2AM_CHECK(logits.shape() == targets.shape(), "bce_with_logits_sum", "logits ", logits.describe(), " and targets ",
        targets.describe(), " differ in shape");
  Tensor loss;
  {
    NoGradGuard no_grad;
    const Tensor x = logits.detach(), y = targets.detach();
    const Tensor m = relu(-x);
    loss = sum((1.0 - y) * x + m + log(exp(-m) + exp(-x - m))) * scale;
  }
  return autograd::record<BceWithLogitsBackward>(loss, {logits, targets}, logits.detach(), targets.detach(), scale);
}

}  // namespace c2am
