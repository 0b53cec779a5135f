#include "c2am/wsol/stage2_recipe.hpp"

#include "c2am/core/error.hpp"
#include "c2am/loss/supervised.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::wsol {

Tensor regression_loss(const Tensor& predicted, const Tensor& target) {
  C2AM_CHECK(predicted.dim() == 2 && predicted.size(1) == 4, "regression_loss", "expects boxes [N, 4], got ",
        predicted.describe());
  return mse_loss(predicted, target) * kRegressionLossWeight;
}

std::vector<ParamGroup> stage2_groups(const nn::PooledResNet& model, double head_lr_multiplier, double weight_decay) {
  return {{"fc", model.head_parameters(), head_lr_multiplier, weight_decay},
          {"backbone", model.backbone_parameters(), 1.0, weight_decay}};
}

}  // namespace c2am::wsol
