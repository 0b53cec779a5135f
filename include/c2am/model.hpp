#pragma once
// c2am::Model — the network a user links: a ResNet backbone, the activation
// head ("disentangler": 3×3 conv → BatchNorm2d(1) → sigmoid) and the pooled
// foreground/background embeddings (SPEC §1).
//
// State names, as in the original release: "backbone.<torchvision name>",
// "ac_head.activation_head.weight", "ac_head.bn_head.{weight,bias,
// running_mean,running_var,num_batches_tracked}".

#include <cstdint>
#include <memory>

#include "c2am/nn/layers.hpp"
#include "c2am/nn/resnet.hpp"

namespace c2am {

struct ModelConfig {
  nn::ResNetConfig backbone;
  Device device = Device::cpu();
  std::uint64_t seed = 0;  // initialization of every parameter
  // The release leaves BatchNorm affine parameters out of the optimizer's
  // groups (they keep their initial or loaded values); set to add them.
  bool train_batchnorm_affine = false;
};

struct ModelOutput {
  Tensor fg;   // [N, C] foreground embeddings: mean over pixels of P · Z
  Tensor bg;   // [N, C] background embeddings: mean over pixels of (1 − P) · Z
  Tensor map;  // [N, 1, h, w] sigmoid map P, h = H / output stride
};

// The model's parameters sorted into backbone/head weights/biases (BatchNorm
// affine parameters left out unless train_batchnorm_affine). The learning-rate
// multipliers and weight decay of each group are the training run's
// (c2am::optimizer_groups in train/trainer.hpp): under the release preset the
// head's weights train at ×1 like the backbone's, under the paper preset ×10.
struct ParameterGroups {
  nn::NamedTensors backbone_weights, backbone_biases, head_weights, head_biases;
};

// The head on its own: 3×3 conv (C→1, padding 1, no bias), BatchNorm2d(1).
class ActivationHead : public nn::Module {
 public:
  ActivationHead(std::int64_t channels, DType dtype, Generator& gen);
  // Raw BatchNorm output [N, 1, h, w] (before the sigmoid).
  Tensor logits(const Tensor& features);
  nn::Conv2d& conv() { return *activation_head_; }
  nn::BatchNorm2d& norm() { return *bn_head_; }

 private:
  std::shared_ptr<nn::Conv2d> activation_head_;
  std::shared_ptr<nn::BatchNorm2d> bn_head_;
};

class Model : public nn::Module {
 public:
  explicit Model(const ModelConfig& config);

  // images [N, 3, H, W] (normalized) -> fg, bg, sigmoid map.
  ModelOutput forward(const Tensor& images);
  // Inference mode of the release: the raw BatchNorm output of the head,
  // no sigmoid, no embeddings (used by multi-scale WSSS inference).
  Tensor forward_raw_map(const Tensor& images);

  ParameterGroups parameter_groups() const;
  const ModelConfig& config() const { return config_; }
  nn::ResNet& backbone() { return *backbone_; }
  ActivationHead& head() { return *head_; }

 private:
  ModelConfig config_;
  std::shared_ptr<nn::ResNet> backbone_;
  std::shared_ptr<ActivationHead> head_;
};

// Pooled embeddings from features Z [N, C, h, w] and a map P [N, 1, h, w]:
// fg = (1/hw) Σ_p P·Z, bg = (1/hw) Σ_p (1 − P)·Z, both [N, C].
std::pair<Tensor, Tensor> pool_embeddings(const Tensor& features, const Tensor& map);

}  // namespace c2am
