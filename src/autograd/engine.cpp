// The backward pass: reverse topological order over the graph's nodes,
// gradients summed where a tensor feeds several consumers.

#include <unordered_map>
#include <unordered_set>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/autograd/node.hpp"
#include "c2am/ops/elementwise.hpp"

namespace c2am::autograd {

namespace {

// Metas reachable from `root`, each after every meta that consumes it.
std::vector<AutogradMeta*> topological_order(AutogradMeta* root) {
  std::vector<AutogradMeta*> post_order;
  std::unordered_set<AutogradMeta*> visited;
  // Iterative depth-first search: (meta, next edge to visit).
  std::vector<std::pair<AutogradMeta*, std::size_t>> stack{{root, 0}};
  visited.insert(root);
  while (!stack.empty()) {
    auto& [meta, next] = stack.back();
    const Node* node = meta->grad_fn.get();
    if (node && next < node->edges.size()) {
      AutogradMeta* child = node->edges[next++].get();
      if (child && visited.insert(child).second) stack.emplace_back(child, 0);
      continue;
    }
    post_order.push_back(meta);
    stack.pop_back();
  }
  return {post_order.rbegin(), post_order.rend()};
}

// True when `t` is the only handle on its data and covers all of it, so a
// leaf can keep it as its gradient without copying.
bool solely_owned(const Tensor& t) {
  return t.impl().use_count() == 1 && t.storage().use_count() == 1 && t.is_contiguous() &&
         t.storage()->bytes() == static_cast<std::size_t>(t.numel()) * element_size(t.dtype()) && !t.grad_fn();
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& gradient) {
  C2AM_CHECK(root.requires_grad(), "backward", "tensor ", root.describe(),
        " does not require grad (no input of its computation has requires_grad set)");
  NoGradGuard no_grad;  // backward formulas are not themselves recorded
  AutogradMeta* root_meta = root.impl()->autograd.get();
  const auto order = topological_order(root_meta);

  std::unordered_map<AutogradMeta*, Tensor> pending{{root_meta, gradient}};
  for (AutogradMeta* meta : order) {
    auto found = pending.find(meta);
    if (found == pending.end()) continue;
    Tensor grad = std::move(found->second);
    pending.erase(found);
    if (!meta->grad_fn) {
      // A leaf: accumulate. The first gradient is adopted when nothing else
      // holds it or its memory, and cloned otherwise, so that the leaf never
      // aliases a tensor the caller or another node still holds.
      meta->grad = meta->grad.defined() ? add(meta->grad, grad) : (solely_owned(grad) ? grad : grad.clone());
      // A leaf is reached once, after all its consumers: its gradient is final.
      if (meta->on_gradient_ready) meta->on_gradient_ready();
      continue;
    }
    Node& node = *meta->grad_fn;
    check(!node.released, node.name(),
          "backward through a graph a second time; its saved tensors were freed by the first backward()");
    std::vector<Tensor> input_grads = node.apply(grad);
    check(input_grads.size() == node.edges.size(), node.name(), "returned ", input_grads.size(),
          " gradients for ", node.edges.size(), " inputs");
    for (std::size_t i = 0; i < input_grads.size(); ++i) {
      AutogradMeta* input = node.edges[i].get();
      if (!input || !input_grads[i].defined()) continue;
      auto [slot, inserted] = pending.try_emplace(input, input_grads[i]);
      if (!inserted) slot->second = add(slot->second, input_grads[i]);
    }
  }
  for (AutogradMeta* meta : order) {
    if (meta->grad_fn && !meta->grad_fn->released) {
      meta->grad_fn->release();
      meta->grad_fn->released = true;
    }
  }
}

}  // namespace c2am::autograd
