#include "c2am/train/sgd.hpp"

#include <cmath>
#include <map>

#include "c2am/autograd/grad_mode.hpp"
#include "backend/cuda_ops.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am {

void GroupedOptimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& [name, p] : g.params) p.zero_grad();
}

Sgd::Sgd(std::vector<ParamGroup> groups, SgdConfig config) : GroupedOptimizer(std::move(groups)), config_(config) {
  check(config.momentum >= 0.0, "Sgd", "momentum must be >= 0, got ", config.momentum);
  check(!config.nesterov || config.momentum > 0.0, "Sgd", "Nesterov momentum needs momentum > 0");
  for (const auto& g : groups_) momentum_.emplace_back(g.params.size());
}

void Sgd::step(double lr) {
  for_each_gradient("Sgd", lr, [&](std::size_t gi, std::size_t pi, const ParamGroup& group, Tensor& param,
                                   const Tensor& grad, double group_lr) {
    if (param.device().is_cuda() && param.is_contiguous()) {  // one fused pass on the GPU
      cuda::ops::sgd_update(param, grad, momentum_[gi][pi], group_lr, group.weight_decay, config_.momentum,
                            config_.nesterov);
      return;
    }
    Tensor d = group.weight_decay != 0.0 ? grad + param * group.weight_decay : grad;
    if (config_.momentum != 0.0) {
      Tensor& buffer = momentum_[gi][pi];
      buffer = buffer.defined() ? buffer * config_.momentum + d : d.clone();
      d = config_.nesterov ? d + buffer * config_.momentum : buffer;
    }
    param.copy_(param - d * group_lr);
  });
}

nn::NamedTensors Sgd::state() const {
  nn::NamedTensors out;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi)
    for (std::size_t pi = 0; pi < groups_[gi].params.size(); ++pi)
      if (momentum_[gi][pi].defined()) out.emplace_back(groups_[gi].params[pi].first, momentum_[gi][pi]);
  return out;
}

void Sgd::load_state(const nn::NamedTensors& state) {
  std::map<std::string, Tensor> by_name(state.begin(), state.end());
  for (std::size_t gi = 0; gi < groups_.size(); ++gi)
    for (std::size_t pi = 0; pi < groups_[gi].params.size(); ++pi) {
      const auto& [name, param] = groups_[gi].params[pi];
      const auto found = by_name.find(name);
      if (found == by_name.end()) {
        momentum_[gi][pi] = Tensor();
        continue;
      }
      check(found->second.shape() == param.shape(), "Sgd", "momentum of '", name, "' has shape ",
            shape_str(found->second.shape()), ", parameter has ", shape_str(param.shape()));
      momentum_[gi][pi] = found->second.to(param.dtype()).to(param.device()).clone();
    }
}

double scheduled_lr(Schedule schedule, double base, std::size_t step, std::size_t total_steps, double power) {
  if (total_steps == 0 || step >= total_steps) return schedule == Schedule::Constant ? base : 0.0;
  const double progress = static_cast<double>(step) / static_cast<double>(total_steps);
  switch (schedule) {
    case Schedule::Poly: return base * std::pow(1.0 - progress, power);
    case Schedule::Cosine: return base * 0.5 * (1.0 + std::cos(3.14159265358979323846 * progress));
    case Schedule::Constant: return base;
  }
  return base;
}

Schedule parse_schedule(const std::string& name) {
  if (name == "poly") return Schedule::Poly;
  if (name == "cosine") return Schedule::Cosine;
  if (name == "constant") return Schedule::Constant;
  throw Error("schedule: unknown '" + name + "' (expected poly, cosine or constant)");
}

}  // namespace c2am
