#include "c2am/model.hpp"

#include "c2am/ops/ops.hpp"

namespace c2am {

ActivationHead::ActivationHead(std::int64_t channels, DType dtype, Generator& gen) {
  nn::Conv2dOptions o;
  o.in_channels = channels;
  o.out_channels = 1;
  o.kernel = 3;
  o.padding = 1;
  o.dtype = dtype;
  activation_head_ = register_module("activation_head", std::make_shared<nn::Conv2d>(o, gen));
  bn_head_ = register_module("bn_head", std::make_shared<nn::BatchNorm2d>(1, dtype));
}

Tensor ActivationHead::logits(const Tensor& features) {
  if (nn::fused_inference(*this)) return nn::conv_batch_norm_inference(*activation_head_, *bn_head_, features);
  return bn_head_->forward(activation_head_->forward(features));
}

std::pair<Tensor, Tensor> pool_embeddings(const Tensor& features, const Tensor& map) {
  C2AM_CHECK(features.dim() == 4 && map.dim() == 4 && map.size(1) == 1 && features.size(0) == map.size(0) &&
            features.size(2) == map.size(2) && features.size(3) == map.size(3),
        "pool_embeddings", "features [N, C, h, w] and map [N, 1, h, w] expected, got ", features.describe(), " and ",
        map.describe());
  const std::int64_t n = features.size(0), c = features.size(1), pixels = features.size(2) * features.size(3);
  const Tensor z = features.reshape({n, c, pixels}).transpose(1, 2);  // [N, hw, C]
  const Tensor p = map.reshape({n, 1, pixels});
  const double scale = 1.0 / static_cast<double>(pixels);
  Tensor fg = matmul(p, z).reshape({n, c}) * scale;
  Tensor bg = matmul(1.0 - p, z).reshape({n, c}) * scale;
  return {fg, bg};
}

Model::Model(const ModelConfig& config) : config_(config) {
  Generator gen(config.seed);
  backbone_ = register_module("backbone", std::make_shared<nn::ResNet>(config.backbone, gen));
  head_ = register_module("ac_head",
                          std::make_shared<ActivationHead>(backbone_->feature_channels(), config.backbone.dtype, gen));
  to(config.device);
}

ModelOutput Model::forward(const Tensor& images) {
  const Tensor features = backbone_->forward(images);
  ModelOutput out;
  out.map = sigmoid(head_->logits(features));
  std::tie(out.fg, out.bg) = pool_embeddings(features, out.map);
  return out;
}

Tensor Model::forward_raw_map(const Tensor& images) { return head_->logits(backbone_->forward(images)); }

ParameterGroups Model::parameter_groups() const {
  // The release puts only convolution parameters in groups; BatchNorm's
  // affine parameters join them only on request.
  const auto is_batchnorm = [](const std::string& name) {
    const auto dot = name.rfind('.');
    const std::string owner = name.substr(0, dot);
    const std::string last = owner.substr(owner.rfind('.') + 1);
    const bool downsample_norm = owner.size() >= 12 && owner.compare(owner.size() - 12, 12, "downsample.1") == 0;
    return last.rfind("bn", 0) == 0 || downsample_norm;
  };
  ParameterGroups groups;
  for (const auto& [name, t] : named_parameters()) {
    if (is_batchnorm(name) && !config_.train_batchnorm_affine) continue;
    const bool head = name.rfind("ac_head.", 0) == 0;
    const bool bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    auto& group = head ? (bias ? groups.head_biases : groups.head_weights)
                       : (bias ? groups.backbone_biases : groups.backbone_weights);
    group.emplace_back(name, t);
  }
  return groups;
}

}  // namespace c2am
