#pragma once
// Module: the base of the network building blocks. A module owns named
// parameters (trained) and buffers (state such as BatchNorm's running
// statistics) and child modules; names are dotted paths exactly as PyTorch
// writes them in a state dict ("layer1.0.bn1.running_mean").
//
// Modules are not copyable: parameters are registered by address, and an
// optimizer keeps handles to them. Tensors are updated in place (loading
// weights copies into them), so handles stay valid; `to(device)` replaces
// them and must be called before handles are taken.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "c2am/core/tensor.hpp"

namespace c2am::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Parameters of this module and its children, in registration order.
  NamedTensors named_parameters() const;
  // Buffers of this module and its children, in registration order.
  NamedTensors named_buffers() const;
  // Parameters then buffers: everything a weights file holds.
  NamedTensors state() const;
  std::vector<Tensor> parameters() const;

  // Training mode (the default) or evaluation mode, recursively.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Moves every parameter and buffer to `device` (replacing the tensors).
  void to(Device device);
  // Makes every parameter's gradient undefined.
  void zero_grad();

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

 protected:
  // `slot` must be a member of the derived module (it outlives the entry).
  void register_parameter(std::string name, Tensor* slot);
  void register_buffer(std::string name, Tensor* slot);
  template <typename M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    children_.emplace_back(std::move(name), module);
    return module;
  }

 private:
  void collect(const std::string& prefix, bool parameters, NamedTensors& out) const;

  std::vector<std::pair<std::string, Tensor*>> parameters_;
  std::vector<std::pair<std::string, Tensor*>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// A module with one input and one output, which Sequential can chain.
class Layer : public Module {
 public:
  virtual Tensor forward(const Tensor& x) = 0;
};

}  // namespace c2am::nn
