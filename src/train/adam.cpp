#include "c2am/train/adam.hpp"

#include <cmath>
#include <map>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/core/error.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am {

Adam::Adam(std::vector<ParamGroup> groups, AdamConfig config) : GroupedOptimizer(std::move(groups)), config_(config) {
  check(config.beta1 >= 0 && config.beta1 < 1 && config.beta2 >= 0 && config.beta2 < 1, "Adam",
        "betas must be in [0, 1), got ", config.beta1, " and ", config.beta2);
  check(config.eps >= 0, "Adam", "eps must be >= 0, got ", config.eps);
  for (const auto& g : groups_) moments_.emplace_back(g.params.size());
}

void Adam::step(double lr) {
  for_each_gradient("Adam", lr, [&](std::size_t gi, std::size_t pi, const ParamGroup& group, Tensor& param,
                                    const Tensor& grad, double group_lr) {
    Moments& m = moments_[gi][pi];
    if (!m.exp_avg.defined()) {
      m.exp_avg = zeros_like(param);
      m.exp_avg_sq = zeros_like(param);
    }
    ++m.step;
    const Tensor g = group.weight_decay != 0.0 ? grad + param * group.weight_decay : grad;
    m.exp_avg = m.exp_avg + (g - m.exp_avg) * (1.0 - config_.beta1);  // torch's lerp_
    m.exp_avg_sq = m.exp_avg_sq * config_.beta2 + g * g * (1.0 - config_.beta2);
    const double t = static_cast<double>(m.step);
    const double bias_correction1 = 1.0 - std::pow(config_.beta1, t);
    const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(config_.beta2, t));
    const Tensor denom = sqrt(m.exp_avg_sq) / bias_correction2_sqrt + config_.eps;
    param.copy_(param - (m.exp_avg / denom) * (group_lr / bias_correction1));
  });
}

nn::NamedTensors Adam::state() const {
  nn::NamedTensors out;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi)
    for (std::size_t pi = 0; pi < groups_[gi].params.size(); ++pi) {
      const Moments& m = moments_[gi][pi];
      if (!m.exp_avg.defined()) continue;
      const std::string& name = groups_[gi].params[pi].first;
      out.emplace_back(name + ".exp_avg", m.exp_avg);
      out.emplace_back(name + ".exp_avg_sq", m.exp_avg_sq);
      out.emplace_back(name + ".step", full({}, static_cast<double>(m.step), DType::Float64));
    }
  return out;
}

void Adam::load_state(const nn::NamedTensors& state) {
  std::map<std::string, Tensor> by_name(state.begin(), state.end());
  for (std::size_t gi = 0; gi < groups_.size(); ++gi)
    for (std::size_t pi = 0; pi < groups_[gi].params.size(); ++pi) {
      const auto& [name, param] = groups_[gi].params[pi];
      Moments& m = moments_[gi][pi];
      const auto avg = by_name.find(name + ".exp_avg"), sq = by_name.find(name + ".exp_avg_sq");
      const auto step = by_name.find(name + ".step");
      if (avg == by_name.end() && sq == by_name.end() && step == by_name.end()) {
        m = Moments();
        continue;
      }
      check(avg != by_name.end() && sq != by_name.end() && step != by_name.end(), "Adam", "the state of '", name,
            "' is incomplete (exp_avg, exp_avg_sq and step are needed)");
      for (const Tensor* t : {&avg->second, &sq->second})
        check(t->shape() == param.shape(), "Adam", "a moment of '", name, "' has shape ", shape_str(t->shape()),
              ", the parameter ", shape_str(param.shape()));
      const double steps = step->second.item();
      check(std::isfinite(steps) && steps >= 1 && steps == std::floor(steps), "Adam", "the step count of '", name,
            "' is not a positive integer: ", steps);
      m.exp_avg = avg->second.to(param.dtype()).to(param.device()).clone();
      m.exp_avg_sq = sq->second.to(param.dtype()).to(param.device()).clone();
      m.step = static_cast<std::int64_t>(steps);
    }
}

}  // namespace c2am
