#include "c2am/autograd/node.hpp"

#include "c2am/autograd/grad_mode.hpp"

namespace c2am::autograd {

SavedTensor::SavedTensor(const Tensor& t) {
  if (!t.defined()) return;
  tensor_ = t.detach();
  version_ = t.storage()->version();
}

Tensor SavedTensor::get(const char* node) const {
  check(!released_, node,
        "its saved tensors were freed by an earlier backward(); run the forward pass again before another backward");
  if (!tensor_.defined()) return tensor_;
  C2AM_CHECK(tensor_.storage()->version() == version_, node, "a tensor saved for backward (", tensor_.describe(),
        ") was modified in place after it was saved");
  return tensor_;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!is_grad_enabled()) return false;
  for (const auto& t : inputs) {
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}

Tensor attach(const Tensor& output, std::shared_ptr<Node> node, const std::vector<Tensor>& inputs) {
  node->edges.reserve(inputs.size());
  for (const auto& t : inputs) {
    node->edges.push_back(t.defined() && t.requires_grad() ? t.impl()->autograd : nullptr);
  }
  auto meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = true;
  meta->grad_fn = std::move(node);
  output.impl()->autograd = std::move(meta);
  return output;
}

}  // namespace c2am::autograd
