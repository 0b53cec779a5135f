#pragma once
// Adam as torch.optim.Adam computes it (amsgrad off, weight decay added to
// the gradient — L2, not AdamW), per parameter group with a learning-rate
// multiplier and its own weight decay. Runs on the device of the parameters
// (composed elementwise ops). The PoolNet refinement of the WSSS cues trains
// with it (lr 5e-5, weight decay 5e-4).

#include <cstdint>
#include <string>
#include <vector>

#include "c2am/core/tensor.hpp"
#include "c2am/nn/module.hpp"
#include "c2am/train/sgd.hpp"

namespace c2am {

struct AdamConfig {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

class Adam : public GroupedOptimizer {
 public:
  Adam(std::vector<ParamGroup> groups, AdamConfig config = {});
  // One update at base learning rate `lr` (each group at lr × its
  // multiplier), for each parameter with a gradient, t its own step count:
  //   g = grad + wd·p;  m ← m + (g − m)(1 − β1);  v ← β2·v + (1 − β2)·g²
  //   p ← p − lr / (1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
  // (torch's single-tensor Adam, in this order of operations).
  void step(double lr);
  // Moments and step counts by parameter name ("<name>.exp_avg",
  // "<name>.exp_avg_sq", "<name>.step"), for checkpoints; load_state checks
  // names and shapes and throws c2am::Error on a mismatch.
  nn::NamedTensors state() const;
  void load_state(const nn::NamedTensors& state);

 private:
  struct Moments {
    Tensor exp_avg, exp_avg_sq;
    std::int64_t step = 0;
  };
  AdamConfig config_;
  std::vector<std::vector<Moments>> moments_;  // per group, per parameter
};

}  // namespace c2am
