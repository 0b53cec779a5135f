#pragma once
// The optimization of the second WSOL stage as the C²AM release runs it
// (WSOL/PSOL/training_CUB.py, training_ILSVRC.py): the box regressor's loss
// and the SGD parameter groups shared by the regressor and the classifier.

#include <vector>

#include "c2am/core/tensor.hpp"
#include "c2am/nn/pooled_resnet.hpp"
#include "c2am/train/sgd.hpp"

namespace c2am::wsol {

// The release's lambda_reg: the regression loss is 50 × MSE.
inline constexpr double kRegressionLossWeight = 50.0;

// kRegressionLossWeight · mean((predicted − target)²) over [N, 4] (x, y, w, h)
// in crop units. Throws c2am::Error on shapes other than [N, 4].
Tensor regression_loss(const Tensor& predicted, const Tensor& target);

// Two SGD groups: "fc" (the head) at lr × head_lr_multiplier and "backbone"
// (every other parameter, BatchNorm affine ones included) at lr × 1, both
// with `weight_decay` (the release decays every parameter). The release's
// regressor uses head ×2, weight decay 1e-4.
std::vector<ParamGroup> stage2_groups(const nn::PooledResNet& model, double head_lr_multiplier,
                                      double weight_decay = 1e-4);

}  // namespace c2am::wsol
