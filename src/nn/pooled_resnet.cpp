#include "c2am/nn/pooled_resnet.hpp"

#include "c2am/core/error.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::nn {

ResNetConfig torchvision_resnet(int depth, DType dtype) {
  ResNetConfig config;
  config.depth = depth;
  config.strides = {1, 2, 2, 2};
  config.stages = {"layer4"};
  config.dtype = dtype;
  return config;
}

PooledResNet::PooledResNet(const ResNetConfig& config, Generator& gen) : ResNet(config, gen) {
  check(config.stages == std::vector<std::string>{"layer4"}, "PooledResNet",
        "the pooled models read layer4 alone (torchvision_resnet's stages)");
}

void PooledResNet::set_head(std::shared_ptr<Layer> fc) { fc_ = register_module("fc", std::move(fc)); }

Tensor PooledResNet::pooled_features(const Tensor& images) {
  const Tensor features = ResNet::forward(images);
  const std::int64_t n = features.size(0), c = features.size(1);
  return adaptive_avg_pool2d(features, 1, 1).reshape({n, c});
}

Tensor PooledResNet::forward(const Tensor& images) { return fc_->forward(pooled_features(images)); }

NamedTensors PooledResNet::head_parameters() const {
  NamedTensors out;
  for (auto& [name, t] : named_parameters())
    if (name.rfind("fc.", 0) == 0) out.emplace_back(name, t);
  return out;
}

NamedTensors PooledResNet::backbone_parameters() const {
  NamedTensors out;
  for (auto& [name, t] : named_parameters())
    if (name.rfind("fc.", 0) != 0) out.emplace_back(name, t);
  return out;
}

// The backbone draws its initialization first, then the head, from one
// generator (the by-value parameter of the private constructors).
ResNetClassifier::ResNetClassifier(int depth, std::int64_t classes, std::uint64_t seed, DType dtype)
    : ResNetClassifier(torchvision_resnet(depth, dtype), classes, Generator(seed)) {}

ResNetClassifier::ResNetClassifier(const ResNetConfig& backbone, std::int64_t classes, std::uint64_t seed)
    : ResNetClassifier(backbone, classes, Generator(seed)) {}

ResNetClassifier::ResNetClassifier(const ResNetConfig& backbone, std::int64_t classes, Generator gen)
    : PooledResNet(backbone, gen), classes_(classes) {
  check(classes >= 1, "ResNetClassifier", "needs at least one class, got ", classes);
  set_head(std::make_shared<Linear>(LinearOptions{feature_channels(), classes, true, backbone.dtype}, gen));
}

BoxRegressor::BoxRegressor(int depth, std::uint64_t seed, DType dtype)
    : BoxRegressor(torchvision_resnet(depth, dtype), Generator(seed)) {}

BoxRegressor::BoxRegressor(const ResNetConfig& backbone, std::uint64_t seed) : BoxRegressor(backbone, Generator(seed)) {}

BoxRegressor::BoxRegressor(const ResNetConfig& backbone, Generator gen) : PooledResNet(backbone, gen) {
  const DType dtype = backbone.dtype;
  auto head = std::make_shared<Sequential>();
  head->push_back(std::make_shared<Linear>(LinearOptions{feature_channels(), 512, true, dtype}, gen));
  head->push_back(std::make_shared<ReLU>());
  head->push_back(std::make_shared<Linear>(LinearOptions{512, 4, true, dtype}, gen));
  head->push_back(std::make_shared<Sigmoid>());
  set_head(head);
}

}  // namespace c2am::nn
