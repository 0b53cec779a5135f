#pragma once
// The saliency network that refines the background cues (PoolNet, Liu et
// al., CVPR 2019, as the C²AM release's WSSS/PoolNet trains it on VOC;
// topology from backseason/PoolNet networks/poolnet.py and
// networks/deeplab_resnet.py, no edge branch).
//
// Backbone: DeepLab's ResNet-50 — a bottleneck's stride on its first 1×1
// convolution, the stem pooled with ceil_mode, layer4 at stride 1 with its
// 3×3 convolutions dilated by 2 (output stride 16). Global guidance: layer4
// → 1×1 conv (ppms_pre), average-pooled to 1×1, 3×3, 5×5 bins (each 1×1 conv
// + ReLU, upsampled back), concatenated with it, 3×3 conv + ReLU (ppm_cat),
// then upsampled to the stem, layer1, layer2 and layer3 resolutions through
// four 3×3 conv + ReLU (infos). Every stage converted by a 1×1 conv + ReLU
// (convert); a top-down path of five feature-aggregation modules
// (deep_pool: x + Σ upsample(conv3×3(avgpool_{2,4,8}(x))), ReLU, upsample
// to the next level, 3×3 conv, + lateral + guidance, 3×3 conv); a 1×1 conv
// with bias (score) upsampled to the input: one saliency logit per pixel.
// Every upsampling is bilinear with align_corners=True.
//
// State names are PoolNet's: "base.resnet.<torchvision name>",
// "base.ppms_pre.weight", "base.ppms.{0,1,2}.1.weight",
// "base.ppm_cat.0.weight", "base.infos.{0..3}.0.weight",
// "deep_pool.{0..4}.convs.{0,1,2}.weight", "deep_pool.{i}.conv_sum.weight",
// "deep_pool.{0..3}.conv_sum_c.weight", "score.score.{weight,bias}",
// "convert.convert0.{0..4}.0.weight".
//
// Input: images as PoolNet reads them (to_saliency_input): BGR, 0–255, minus
// the Caffe means, at their own size; at least 128 pixels a side (the 8×8
// pooling of the 1/16 level needs 8 pixels there).

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "c2am/data/image.hpp"
#include "c2am/nn/layers.hpp"
#include "c2am/nn/resnet.hpp"

namespace c2am::wsss {

struct SaliencyNetConfig {
  std::int64_t base_width = 64;  // the backbone's stem channels (64: ResNet-50)
  // The head's channels (PoolNet's config_resnet). Tests shrink them.
  std::array<std::int64_t, 5> convert{128, 256, 256, 512, 512};  // stem, layer1..layer4 after the 1×1 convs
  std::int64_t guidance = 512;                                   // ppms_pre, ppms, ppm_cat
  std::array<std::int64_t, 4> infos{512, 256, 256, 128};         // guidance at layer3, layer2, layer1, stem
  std::array<std::int64_t, 5> pool_in{512, 512, 256, 256, 128};   // deep_pool k
  std::array<std::int64_t, 5> pool_out{512, 256, 256, 128, 128};  // deep_pool k_out
  // Initialization: the head's convolutions N(0, 0.01), biases 0 (PoolNet's
  // weights_init); the backbone torchvision's (PoolNet loads pretrained
  // weights over it).
  std::uint64_t seed = 0;
  DType dtype = DType::Float32;

  // The same network with every channel count divided by `divisor` (tests).
  SaliencyNetConfig scaled_down(std::int64_t divisor) const;
};

class SaliencyNet : public nn::Module {
 public:
  explicit SaliencyNet(const SaliencyNetConfig& config = {});
  // images [N, 3, H, W] (to_saliency_input) -> saliency logits [N, 1, H, W].
  // Throws c2am::Error when a side is under 128 pixels.
  Tensor forward(const Tensor& images);
  // The parameters PoolNet trains: everything but the backbone's BatchNorm
  // weights and biases (frozen there, as its running statistics: the
  // network always runs BatchNorm in evaluation mode).
  nn::NamedTensors trainable_parameters() const;
  nn::ResNet& backbone();
  const SaliencyNetConfig& config() const { return config_; }

 private:
  class Base;
  class DeepPool;
  SaliencyNetConfig config_;
  std::shared_ptr<Base> base_;
  std::vector<std::shared_ptr<DeepPool>> deep_pool_;
  std::shared_ptr<nn::Conv2d> score_;
  std::vector<std::shared_ptr<nn::Sequential>> convert_;  // 1×1 conv + ReLU per stage
};

// PoolNet's input: the image's pixels as BGR floats, minus (104.00699,
// 116.66877, 122.67892), not scaled: [1, 3, H, W] float32.
Tensor to_saliency_input(const Image& image);

}  // namespace c2am::wsss
