#pragma once
// SGD with momentum (optional Nesterov), per-group weight decay and learning
// rate multipliers, exactly as torch.optim.SGD (dampening 0), plus the
// learning-rate schedules of the recipes.

#include <string>
#include <vector>

#include <cmath>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/core/error.hpp"
#include "c2am/core/tensor.hpp"
#include "c2am/nn/module.hpp"

namespace c2am {

struct ParamGroup {
  std::string name;
  nn::NamedTensors params;
  double lr_multiplier = 1.0;
  double weight_decay = 0.0;
};

// What every optimizer holds: its parameter groups, and the reset of their
// gradients between steps.
class GroupedOptimizer {
 public:
  explicit GroupedOptimizer(std::vector<ParamGroup> groups) : groups_(std::move(groups)) {}
  void zero_grad();
  const std::vector<ParamGroup>& groups() const { return groups_; }

 protected:
  // One update pass at base learning rate `lr`, without recording a graph:
  // update(group index, parameter index, group, parameter, gradient, the
  // group's learning rate) for every parameter that has a gradient.
  template <typename Update>
  void for_each_gradient(const char* optimizer, double lr, Update&& update);

  std::vector<ParamGroup> groups_;
};

template <typename Update>
void GroupedOptimizer::for_each_gradient(const char* optimizer, double lr, Update&& update) {
  check(std::isfinite(lr), optimizer, "learning rate is not finite: ", lr);
  NoGradGuard no_grad;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& group = groups_[gi];
    for (std::size_t pi = 0; pi < group.params.size(); ++pi) {
      Tensor param = group.params[pi].second;
      const Tensor grad = param.grad();
      if (grad.defined()) update(gi, pi, group, param, grad, lr * group.lr_multiplier);
    }
  }
}

struct SgdConfig {
  double momentum = 0.0;
  bool nesterov = false;
};

class Sgd : public GroupedOptimizer {
 public:
  Sgd(std::vector<ParamGroup> groups, SgdConfig config);

  // One update with base learning rate `lr` (each group uses lr × its
  // multiplier): d = g + wd·p; buf = d on the first step, else
  // momentum·buf + d; p −= lr·(nesterov ? d + momentum·buf : buf).
  // Parameters without a gradient are left alone.
  void step(double lr);

  // Momentum buffers by parameter name, for checkpoints.
  nn::NamedTensors state() const;
  void load_state(const nn::NamedTensors& state);

 private:
  SgdConfig config_;
  std::vector<std::vector<Tensor>> momentum_;  // per group, per parameter; undefined until first step
};

enum class Schedule { Poly, Cosine, Constant };

// Learning rate of `step` (0-based) out of `total_steps`:
// poly base·(1 − step/total)^power; cosine base·½(1 + cos(π·step/total)).
double scheduled_lr(Schedule schedule, double base, std::size_t step, std::size_t total_steps, double power = 0.9);
Schedule parse_schedule(const std::string& name);

}  // namespace c2am
