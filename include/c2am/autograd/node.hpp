#pragma once
// The autograd graph.
//
// Each tensor that needs a gradient carries an AutogradMeta. A tensor made by
// an operation points (grad_fn) at the Node that made it; the Node points
// (edges) at the AutogradMeta of its inputs — not at the inputs themselves, so
// the graph keeps alive only what a backward formula explicitly saved.
// backward() walks the nodes in reverse topological order, hands each the
// gradient of its output and accumulates what it returns into its inputs;
// leaves (parameters) accumulate into AutogradMeta::grad.

#include <cstdint>
#include <memory>
#include <string>
#include <functional>
#include <vector>

#include "c2am/core/tensor.hpp"

namespace c2am::autograd {

struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;                     // leaves only
  std::shared_ptr<Node> grad_fn;   // null for leaves
  // Leaves only: called by backward() once this pass has finished adding to
  // `grad` (every consumer's contribution is in), e.g. to start sending it
  // to other processes while the rest of the pass runs (dist::GradientReducer).
  std::function<void()> on_gradient_ready;
};

// A tensor kept for the backward pass. Holds the data without its graph
// (no reference cycles) and the storage version at save time, so that an
// in-place write between forward and backward is reported, not silently used.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(const Tensor& t);
  // The saved tensor; throws if it was modified in place since it was saved
  // or if the graph was already released. `node` names the op in the error.
  Tensor get(const char* node) const;
  void release() { tensor_ = Tensor(); released_ = true; }

 private:
  Tensor tensor_;
  std::uint64_t version_ = 0;
  bool released_ = false;
};

class Node {
 public:
  virtual ~Node() = default;
  // Gradients with respect to each edge, given the gradient of the output.
  // An undefined tensor means "no gradient" for that input.
  virtual std::vector<Tensor> apply(const Tensor& grad_output) = 0;
  virtual const char* name() const = 0;
  // Drops the saved tensors after a backward pass.
  virtual void release() {}

  // Inputs' autograd metadata, null for inputs that need no gradient.
  std::vector<std::shared_ptr<AutogradMeta>> edges;
  bool released = false;
};

// True when any of `inputs` needs a gradient and recording is enabled.
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Connects `output` to a new node of type NodeT made from `args`, with edges
// to `inputs`, when any input needs a gradient. Returns `output`.
Tensor attach(const Tensor& output, std::shared_ptr<Node> node, const std::vector<Tensor>& inputs);

template <typename NodeT, typename... Args>
Tensor record(const Tensor& output, const std::vector<Tensor>& inputs, Args&&... args) {
  if (!any_requires_grad(inputs)) return output;
  return attach(output, std::make_shared<NodeT>(std::forward<Args>(args)...), inputs);
}

// Runs the backward pass from `root` seeded with `gradient`.
void run_backward(const Tensor& root, const Tensor& gradient);

}  // namespace c2am::autograd
