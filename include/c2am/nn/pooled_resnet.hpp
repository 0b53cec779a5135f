#pragma once
// torchvision's ResNet as an image-level model: standard strides (1, 2, 2, 2),
// the last stage average-pooled to one vector, and a head named "fc" as
// torchvision names it, so that torchvision weight files load by name.
// The second WSOL stage (PSOL, as the C²AM release runs it) uses two:
// - ResNetClassifier: fc = Linear(C, classes) (torchvision's classifier);
// - BoxRegressor: fc = Sequential(Linear(C, 512), ReLU, Linear(512, 4),
//   Sigmoid), the release's models/models.py (choose_locmodel), whose four
//   outputs are the box's (x, y, w, h) in [0, 1] units of the input crop.
// C is 512 for ResNet-18/34 and 2048 for ResNet-50/101.

#include <cstdint>
#include <memory>

#include "c2am/nn/layers.hpp"
#include "c2am/nn/resnet.hpp"

namespace c2am::nn {

// The torchvision topology of `depth` (18, 34, 50 or 101): strides 1, 2, 2, 2,
// output stage layer4 only.
ResNetConfig torchvision_resnet(int depth, DType dtype = DType::Float32);

class PooledResNet : public ResNet {
 public:
  // images [N, 3, H, W] (normalized; any size the strides divide down to at
  // least 1×1) -> fc(mean over pixels of layer4) [N, outputs].
  Tensor forward(const Tensor& images);
  // The pooled features [N, C] the head sees.
  Tensor pooled_features(const Tensor& images);
  Layer& fc() { return *fc_; }
  // The parameters of the head ("fc.*") and of everything else, for the
  // optimizer groups of the recipes.
  NamedTensors head_parameters() const;
  NamedTensors backbone_parameters() const;

 protected:
  PooledResNet(const ResNetConfig& config, Generator& gen);
  void set_head(std::shared_ptr<Layer> fc);

 private:
  std::shared_ptr<Layer> fc_;
};

class ResNetClassifier : public PooledResNet {
 public:
  // Initialized as torchvision does (the head as torch.nn.Linear), from
  // `seed`: the backbone's draws first, then the head's. The backbone's
  // stages must end in layer4 alone (torchvision_resnet's); its strides and
  // width may differ (tests use small widths).
  ResNetClassifier(const ResNetConfig& backbone, std::int64_t classes, std::uint64_t seed = 0);
  ResNetClassifier(int depth, std::int64_t classes, std::uint64_t seed = 0, DType dtype = DType::Float32);
  std::int64_t classes() const { return classes_; }

 private:
  ResNetClassifier(const ResNetConfig& backbone, std::int64_t classes, Generator gen);
  std::int64_t classes_;
};

class BoxRegressor : public PooledResNet {
 public:
  BoxRegressor(const ResNetConfig& backbone, std::uint64_t seed = 0);
  BoxRegressor(int depth = 50, std::uint64_t seed = 0, DType dtype = DType::Float32);

 private:
  BoxRegressor(const ResNetConfig& backbone, Generator gen);
};

}  // namespace c2am::nn
