#pragma once
// ResNet backbones (18/34 with basic blocks, 50/101 with bottlenecks) with
// torchvision's topology and parameter names, configurable stage strides and
// the features of chosen stages concatenated along channels (SPEC §1).

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "c2am/core/generator.hpp"
#include "c2am/nn/layers.hpp"
#include "c2am/ops/pooling.hpp"

namespace c2am::nn {

struct ResNetConfig {
  int depth = 50;                          // 18, 34, 50 or 101
  std::array<int, 4> strides{1, 2, 2, 1};  // layer1..layer4; C²AM keeps layer4 at layer3's resolution
  std::int64_t base_width = 64;            // stem channels; stages use 1, 2, 4, 8 × this (× 4 for bottlenecks)
  // Stages whose outputs are concatenated, in this order. They must share a
  // resolution (with the default strides layer3 and layer4 do).
  std::vector<std::string> stages{"layer4", "layer3"};
  DType dtype = DType::Float32;
  // Variants of other codes' ResNets (defaults: torchvision's). PoolNet's
  // DeepLab ResNet-50 puts a bottleneck's stride on its first 1×1
  // convolution (Caffe's ResNet), pools the stem with ceil_mode and dilates
  // layer4's 3×3 convolutions by 2 at stride 1.
  bool stride_in_1x1 = false;
  bool stem_pool_ceil_mode = false;
  std::array<int, 4> dilations{1, 1, 1, 1};  // of each stage's 3×3 convolutions (padding = dilation)
};

class ResNet : public Module {
 public:
  // Weights initialized as torchvision does (kaiming-normal, fan-out, for
  // convolutions; ones and zeros for BatchNorm), drawn from `gen`.
  ResNet(const ResNetConfig& config, Generator& gen);

  // images [N, 3, H, W] -> concatenated stage features [N, C, H/s, W/s].
  Tensor forward(const Tensor& images);
  // Every stage: the stem after its ReLU (before the max pool), then
  // layer1..layer4 (what PoolNet's top-down path reads).
  std::vector<Tensor> forward_all_stages(const Tensor& images);
  // C of the concatenated features (768 for ResNet-18/34, 3072 for 50/101
  // at base width 64).
  std::int64_t feature_channels() const { return feature_channels_; }
  // Total stride of the concatenated features (16 with the default strides).
  std::int64_t output_stride() const { return output_stride_; }
  const ResNetConfig& config() const { return config_; }

 private:
  Pool2dParams stem_pool() const;
  ResNetConfig config_;
  std::shared_ptr<Conv2d> conv1_;
  std::shared_ptr<BatchNorm2d> bn1_;
  std::array<std::shared_ptr<Sequential>, 4> layers_;
  std::vector<int> selected_;  // indices into layers_, in output order
  std::int64_t feature_channels_ = 0;
  std::int64_t output_stride_ = 0;
};

}  // namespace c2am::nn
