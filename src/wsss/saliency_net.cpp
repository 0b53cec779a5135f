#include "c2am/wsss/saliency_net.hpp"

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/core/error.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::wsss {

namespace {

// A module whose children are named by the caller (PoolNet's containers).
class Holder : public nn::Module {
 public:
  template <typename M>
  std::shared_ptr<M> add(const std::string& name, std::shared_ptr<M> module) {
    return register_module(name, std::move(module));
  }
};

// nn.AdaptiveAvgPool2d(bins) as a layer of a Sequential (no parameters).
class AdaptivePool : public nn::Layer {
 public:
  explicit AdaptivePool(std::int64_t bins) : bins_(bins) {}
  Tensor forward(const Tensor& x) override { return adaptive_avg_pool2d(x, bins_, bins_); }

 private:
  std::int64_t bins_;
};

std::shared_ptr<nn::Conv2d> conv(std::int64_t in, std::int64_t out, std::int64_t kernel, bool bias, DType dtype,
                                 Generator& gen) {
  nn::Conv2dOptions o;
  o.in_channels = in, o.out_channels = out, o.kernel = kernel, o.padding = kernel / 2, o.bias = bias, o.dtype = dtype;
  return std::make_shared<nn::Conv2d>(o, gen);
}

// conv followed by ReLU, as Sequential(Conv2d, ReLU): the conv is child "0".
std::shared_ptr<nn::Sequential> conv_relu(std::int64_t in, std::int64_t out, std::int64_t kernel, DType dtype,
                                          Generator& gen) {
  auto s = std::make_shared<nn::Sequential>();
  s->push_back(conv(in, out, kernel, false, dtype, gen));
  s->push_back(std::make_shared<nn::ReLU>());
  return s;
}

Tensor upsample_to(const Tensor& x, const Tensor& like) {
  return resize_bilinear(x, like.size(2), like.size(3), /*align_corners=*/true);
}

}  // namespace

// ResNet_locate: the backbone and the global guidance module.
class SaliencyNet::Base : public nn::Module {
 public:
  Base(const SaliencyNetConfig& c, Generator& gen) {
    nn::ResNetConfig r;
    r.depth = 50;
    r.base_width = c.base_width;
    r.strides = {1, 2, 2, 1};
    r.dilations = {1, 1, 1, 2};
    r.stride_in_1x1 = true;
    r.stem_pool_ceil_mode = true;
    r.stages = {"layer4"};
    r.dtype = c.dtype;
    resnet_ = register_module("resnet", std::make_shared<nn::ResNet>(r, gen));
    const std::int64_t deepest = resnet_->feature_channels();
    ppms_pre_ = register_module("ppms_pre", conv(deepest, c.guidance, 1, false, c.dtype, gen));
    auto ppms = register_module("ppms", std::make_shared<nn::Sequential>());
    for (std::int64_t bins : {1, 3, 5}) {
      auto branch = std::make_shared<nn::Sequential>();
      branch->push_back(std::make_shared<AdaptivePool>(bins));
      branch->push_back(conv(c.guidance, c.guidance, 1, false, c.dtype, gen));
      branch->push_back(std::make_shared<nn::ReLU>());
      ppms->push_back(branch);
      ppms_.push_back(branch);
    }
    ppm_cat_ = register_module("ppm_cat", conv_relu(4 * c.guidance, c.guidance, 3, c.dtype, gen));
    auto infos = register_module("infos", std::make_shared<nn::Sequential>());
    for (std::int64_t out : c.infos) {
      infos_.push_back(conv_relu(c.guidance, out, 3, c.dtype, gen));
      infos->push_back(infos_.back());
    }
  }

  // The five stage outputs (stem, layer1..layer4) and the guidance at
  // layer3, layer2, layer1 and the stem.
  std::pair<std::vector<Tensor>, std::vector<Tensor>> forward(const Tensor& images) {
    std::vector<Tensor> xs = resnet_->forward_all_stages(images);
    const Tensor top = ppms_pre_->forward(xs[4]);
    std::vector<Tensor> pyramid{top};
    for (const auto& branch : ppms_) pyramid.push_back(upsample_to(branch->forward(top), top));
    const Tensor guidance = ppm_cat_->forward(cat(pyramid, 1));
    std::vector<Tensor> infos;
    for (std::size_t k = 0; k < infos_.size(); ++k) infos.push_back(infos_[k]->forward(upsample_to(guidance, xs[3 - k])));
    return {std::move(xs), std::move(infos)};
  }

  nn::ResNet& resnet() { return *resnet_; }

 private:
  std::shared_ptr<nn::ResNet> resnet_;
  std::shared_ptr<nn::Conv2d> ppms_pre_;
  std::vector<std::shared_ptr<nn::Sequential>> ppms_;
  std::shared_ptr<nn::Sequential> ppm_cat_;
  std::vector<std::shared_ptr<nn::Sequential>> infos_;
};

// DeepPoolLayer: the feature aggregation module.
class SaliencyNet::DeepPool : public nn::Module {
 public:
  DeepPool(std::int64_t k, std::int64_t k_out, bool upsample, bool fuse, DType dtype, Generator& gen)
      : upsample_(upsample) {
    auto convs = register_module("convs", std::make_shared<nn::Sequential>());
    for (int i = 0; i < 3; ++i) {
      convs_.push_back(conv(k, k, 3, false, dtype, gen));
      convs->push_back(convs_.back());
    }
    conv_sum_ = register_module("conv_sum", conv(k, k_out, 3, false, dtype, gen));
    if (fuse) conv_sum_c_ = register_module("conv_sum_c", conv(k_out, k_out, 3, false, dtype, gen));
  }

  // x: this level; lateral and guidance: the next level's converted stage
  // and guidance (undefined for the last module).
  Tensor forward(const Tensor& x, const Tensor& lateral, const Tensor& guidance) {
    Tensor sum = x;
    const std::int64_t sizes[3] = {2, 4, 8};
    for (int i = 0; i < 3; ++i) {
      check(x.size(2) >= sizes[i] && x.size(3) >= sizes[i], "SaliencyNet", "a ", x.size(2), "x", x.size(3),
            " level is smaller than its ", sizes[i], "x", sizes[i], " pooling: the image is too small (at least 128 "
            "pixels a side)");
      sum = sum + upsample_to(convs_[i]->forward(avg_pool2d(x, Pool2dParams::square(sizes[i], sizes[i]))), x);
    }
    Tensor y = relu(sum);
    if (upsample_) y = upsample_to(y, lateral);
    y = conv_sum_->forward(y);
    if (conv_sum_c_) y = conv_sum_c_->forward(y + lateral + guidance);
    return y;
  }

 private:
  bool upsample_;
  std::vector<std::shared_ptr<nn::Conv2d>> convs_;
  std::shared_ptr<nn::Conv2d> conv_sum_, conv_sum_c_;
};

SaliencyNetConfig SaliencyNetConfig::scaled_down(std::int64_t divisor) const {
  check(divisor >= 1, "SaliencyNetConfig", "divisor must be positive");
  SaliencyNetConfig c = *this;
  const auto divide = [&](std::int64_t v) {
    check(v % divisor == 0, "SaliencyNetConfig", v, " channels are not divisible by ", divisor);
    return v / divisor;
  };
  c.base_width = divide(base_width);
  for (auto& v : c.convert) v = divide(v);
  c.guidance = divide(guidance);
  for (auto& v : c.infos) v = divide(v);
  for (auto& v : c.pool_in) v = divide(v);
  for (auto& v : c.pool_out) v = divide(v);
  return c;
}

SaliencyNet::SaliencyNet(const SaliencyNetConfig& c) : config_(c) {
  Generator gen(c.seed);
  // Channels must chain as PoolNet's config does.
  check(c.convert[4] == c.pool_in[0] && c.pool_out[0] == c.convert[3] && c.infos[0] == c.pool_out[0] &&
            c.pool_in[1] == c.pool_out[0] && c.pool_out[1] == c.convert[2] && c.infos[1] == c.pool_out[1] &&
            c.pool_in[2] == c.pool_out[1] && c.pool_out[2] == c.convert[1] && c.infos[2] == c.pool_out[2] &&
            c.pool_in[3] == c.pool_out[2] && c.pool_out[3] == c.convert[0] && c.infos[3] == c.pool_out[3] &&
            c.pool_in[4] == c.pool_out[3],
        "SaliencyNet", "the head's channels do not chain (see SaliencyNetConfig)");
  base_ = register_module("base", std::make_shared<Base>(c, gen));
  auto deep_pool = register_module("deep_pool", std::make_shared<Holder>());
  for (int i = 0; i < 5; ++i) {
    deep_pool_.push_back(
        deep_pool->add(std::to_string(i), std::make_shared<DeepPool>(c.pool_in[i], c.pool_out[i], i >= 1 && i <= 3,
                                                                      i <= 3, c.dtype, gen)));
  }
  auto score = register_module("score", std::make_shared<Holder>());
  score_ = score->add("score", conv(c.pool_out[4], 1, 1, true, c.dtype, gen));
  auto convert = register_module("convert", std::make_shared<Holder>());
  auto convert0 = convert->add("convert0", std::make_shared<nn::Sequential>());
  const std::int64_t w = c.base_width;
  const std::array<std::int64_t, 5> stage_channels{w, 4 * w, 8 * w, 16 * w, 32 * w};
  for (int i = 0; i < 5; ++i) {
    convert_.push_back(conv_relu(stage_channels[i], c.convert[i], 1, c.dtype, gen));
    convert0->push_back(convert_.back());
  }
  // PoolNet's weights_init for the head: every convolution N(0, 0.01),
  // biases 0. The backbone keeps torchvision's initialization: PoolNet
  // always loads pretrained weights over it, and under N(0, 0.01) an
  // untrained 50-layer backbone with frozen BatchNorm outputs almost nothing.
  NoGradGuard no_grad;
  for (auto& [name, t] : named_parameters()) {
    if (name.rfind("base.resnet.", 0) == 0) continue;
    if (name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0) {
      t.fill_(0.0);
    } else {
      t.copy_(normal(t.shape(), 0.0, 0.01, gen, c.dtype));
    }
  }
}

Tensor SaliencyNet::forward(const Tensor& images) {
  C2AM_CHECK(images.dim() == 4 && images.size(1) == 3, "SaliencyNet", "expected images [N, 3, H, W], got ",
        images.describe());
  check(images.size(2) >= 128 && images.size(3) >= 128, "SaliencyNet", "images must be at least 128 pixels a side, got ",
        images.size(2), "x", images.size(3));
  auto [xs, infos] = base_->forward(images);
  std::vector<Tensor> converted;
  for (int i = 0; i < 5; ++i) converted.push_back(convert_[i]->forward(xs[i]));
  // Top-down: layer4, layer3, layer2, layer1, stem.
  Tensor merge = deep_pool_[0]->forward(converted[4], converted[3], infos[0]);
  for (int k = 1; k <= 3; ++k) merge = deep_pool_[k]->forward(merge, converted[3 - k], infos[k]);
  merge = deep_pool_[4]->forward(merge, Tensor(), Tensor());
  return upsample_to(score_->forward(merge), images);
}

nn::NamedTensors SaliencyNet::trainable_parameters() const {
  nn::NamedTensors out;
  for (auto& [name, t] : named_parameters()) {
    const bool frozen = name.rfind("base.resnet.", 0) == 0 &&
                        (name.find(".bn") != std::string::npos || name.find("downsample.1.") != std::string::npos);
    if (!frozen) out.emplace_back(name, t);
  }
  return out;
}

nn::ResNet& SaliencyNet::backbone() { return base_->resnet(); }

Tensor to_saliency_input(const Image& image) {
  check(image.width >= 1 && image.height >= 1 && image.pixels.size() == std::size_t(image.width) * image.height * 3,
        "to_saliency_input", "not an RGB image");
  const double means[3] = {104.00699, 116.66877, 122.67892};  // B, G, R
  std::vector<float> v(static_cast<std::size_t>(3) * image.width * image.height);
  const std::size_t plane = static_cast<std::size_t>(image.width) * image.height;
  for (std::size_t p = 0; p < plane; ++p)
    for (int c = 0; c < 3; ++c)
      v[c * plane + p] = static_cast<float>(static_cast<double>(image.pixels[p * 3 + (2 - c)]) - means[c]);
  return from_vector<float>(v, {1, 3, image.height, image.width});
}

}  // namespace c2am::wsss
