#include "c2am/nn/module.hpp"

#include "c2am/autograd/grad_mode.hpp"

namespace c2am::nn {

void Module::register_parameter(std::string name, Tensor* slot) { parameters_.emplace_back(std::move(name), slot); }

void Module::register_buffer(std::string name, Tensor* slot) { buffers_.emplace_back(std::move(name), slot); }

void Module::collect(const std::string& prefix, bool parameters, NamedTensors& out) const {
  for (const auto& [name, slot] : parameters ? parameters_ : buffers_) {
    if (slot->defined()) out.emplace_back(prefix + name, *slot);
  }
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", parameters, out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", true, out);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", false, out);
  return out;
}

NamedTensors Module::state() const {
  NamedTensors out = named_parameters();
  for (auto& entry : named_buffers()) out.push_back(std::move(entry));
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::to(Device device) {
  NoGradGuard no_grad;
  for (auto& [name, slot] : parameters_) {
    if (slot->defined() && slot->device() != device) {
      const bool trainable = slot->requires_grad();
      *slot = slot->to(device);
      slot->set_requires_grad(trainable);
    }
  }
  for (auto& [name, slot] : buffers_) {
    if (slot->defined() && slot->device() != device) *slot = slot->to(device);
  }
  for (auto& [name, child] : children_) child->to(device);
}

void Module::zero_grad() {
  for (auto& [name, slot] : parameters_) {
    if (slot->defined()) slot->zero_grad();
  }
  for (auto& [name, child] : children_) child->zero_grad();
}

}  // namespace c2am::nn
