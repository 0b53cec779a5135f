#include "c2am/nn/resnet.hpp"

#include <algorithm>
#include <cmath>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::nn {

namespace {

struct Architecture {
  bool bottleneck;
  std::array<int, 4> blocks;
};

Architecture architecture(int depth) {
  switch (depth) {
    case 18: return {false, {2, 2, 2, 2}};
    case 34: return {false, {3, 4, 6, 3}};
    case 50: return {true, {3, 4, 6, 3}};
    case 101: return {true, {3, 4, 23, 3}};
    default: throw Error("ResNet: depth must be 18, 34, 50 or 101, got " + std::to_string(depth));
  }
}

// torchvision: kaiming_normal_(mode="fan_out", nonlinearity="relu").
std::shared_ptr<Conv2d> make_conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                                  DType dtype, Generator& gen, std::int64_t dilation = 1) {
  Conv2dOptions o;
  o.in_channels = in;
  o.out_channels = out;
  o.kernel = kernel;
  o.stride = stride;
  o.dilation = dilation;
  o.padding = dilation * (kernel / 2);
  o.dtype = dtype;
  auto conv = std::make_shared<Conv2d>(o, gen);
  NoGradGuard no_grad;
  const double stddev = std::sqrt(2.0 / static_cast<double>(out * kernel * kernel));
  conv->weight.copy_(normal(conv->weight.shape(), 0.0, stddev, gen, dtype));
  return conv;
}

struct BlockShape {
  bool bottleneck = true;
  std::int64_t in = 0, planes = 0, stride = 1, dilation = 1;
  bool stride_in_1x1 = false;  // Caffe's bottleneck: the stride on conv1, not on the 3×3
};

// Basic block (expansion 1) or bottleneck (expansion 4, stride on the 3×3
// convolution as torchvision v1.5 unless stride_in_1x1), with the optional
// downsample branch.
class Block : public Layer {
 public:
  Block(const BlockShape& b, DType dtype, Generator& gen) {
    const std::int64_t in = b.in, planes = b.planes, stride = b.stride, d = b.dilation;
    const std::int64_t expansion = b.bottleneck ? 4 : 1;
    const std::int64_t out = planes * expansion;
    if (b.bottleneck) {
      add("conv1", make_conv(in, planes, 1, b.stride_in_1x1 ? stride : 1, dtype, gen), planes, dtype);
      add("conv2", make_conv(planes, planes, 3, b.stride_in_1x1 ? 1 : stride, dtype, gen, d), planes, dtype);
      add("conv3", make_conv(planes, out, 1, 1, dtype, gen), out, dtype);
    } else {
      add("conv1", make_conv(in, planes, 3, stride, dtype, gen, d), planes, dtype);
      add("conv2", make_conv(planes, planes, 3, 1, dtype, gen, d), planes, dtype);
    }
    if (stride != 1 || in != out) {
      downsample_ = std::make_shared<Sequential>();
      downsample_->push_back(make_conv(in, out, 1, stride, dtype, gen));
      downsample_->push_back(std::make_shared<BatchNorm2d>(out, dtype));
      register_module("downsample", downsample_);
    }
  }

  Tensor forward(const Tensor& x) override {
    if (fused_inference(*this)) return forward_inference(x);
    Tensor y = x;
    for (std::size_t i = 0; i < convs_.size(); ++i) {
      y = norms_[i]->forward(convs_[i]->forward(y));
      if (i + 1 < convs_.size()) y = relu(y);
    }
    return relu(y + (downsample_ ? downsample_->forward(x) : x));
  }

 private:
  // Each conv with its batch norm as one op; the last adds the shortcut and
  // applies the ReLU too.
  Tensor forward_inference(const Tensor& x) {
    Tensor shortcut = x;
    if (downsample_) {
      shortcut = conv_batch_norm_inference(dynamic_cast<Conv2d&>((*downsample_)[0]),
                                           dynamic_cast<BatchNorm2d&>((*downsample_)[1]), x);
    }
    Tensor y = x;
    for (std::size_t i = 0; i < convs_.size(); ++i) {
      const bool last = i + 1 == convs_.size();
      y = conv_batch_norm_inference(*convs_[i], *norms_[i], y, last ? shortcut : Tensor(), true);
    }
    return y;
  }

  void add(const std::string& conv_name, std::shared_ptr<Conv2d> conv, std::int64_t channels, DType dtype) {
    const std::string index = conv_name.substr(4);
    convs_.push_back(register_module(conv_name, conv));
    norms_.push_back(register_module("bn" + index, std::make_shared<BatchNorm2d>(channels, dtype)));
  }

  std::vector<std::shared_ptr<Conv2d>> convs_;
  std::vector<std::shared_ptr<BatchNorm2d>> norms_;
  std::shared_ptr<Sequential> downsample_;
};

}  // namespace

ResNet::ResNet(const ResNetConfig& config, Generator& gen) : config_(config) {
  const Architecture arch = architecture(config.depth);
  check(config.base_width >= 1, "ResNet", "base_width must be positive, got ", config.base_width);
  for (int s : config.strides) check(s == 1 || s == 2, "ResNet", "stage strides must be 1 or 2, got ", s);
  for (int d : config.dilations) check(d >= 1 && d <= 8, "ResNet", "stage dilations must be in [1, 8], got ", d);
  check(!config.stages.empty(), "ResNet", "no output stages chosen");

  conv1_ = register_module("conv1", make_conv(3, config.base_width, 7, 2, config.dtype, gen));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(config.base_width, config.dtype));
  const std::int64_t expansion = arch.bottleneck ? 4 : 1;
  std::int64_t in = config.base_width;
  std::array<std::int64_t, 4> stage_channels{}, stage_stride{};
  std::int64_t total_stride = 4;  // stem convolution and max pool
  for (int stage = 0; stage < 4; ++stage) {
    const std::int64_t planes = config.base_width << stage;
    auto layer = std::make_shared<Sequential>();
    for (int b = 0; b < arch.blocks[stage]; ++b) {
      BlockShape shape;
      shape.bottleneck = arch.bottleneck, shape.in = in, shape.planes = planes;
      shape.stride = b == 0 ? config.strides[stage] : 1;
      shape.dilation = config.dilations[stage];
      shape.stride_in_1x1 = config.stride_in_1x1;
      layer->push_back(std::make_shared<Block>(shape, config.dtype, gen));
      in = planes * expansion;
    }
    layers_[stage] = register_module("layer" + std::to_string(stage + 1), layer);
    total_stride *= config.strides[stage];
    stage_channels[stage] = in;
    stage_stride[stage] = total_stride;
  }
  for (const auto& name : config.stages) {
    const bool known = name.size() == 6 && name.rfind("layer", 0) == 0 && name[5] >= '1' && name[5] <= '4';
    check(known, "ResNet", "unknown stage '", name, "' (expected layer1..layer4)");
    const int stage = name[5] - '1';
    check(std::find(selected_.begin(), selected_.end(), stage) == selected_.end(), "ResNet", "stage '", name,
          "' chosen twice");
    if (!selected_.empty()) {
      check(stage_stride[stage] == output_stride_, "ResNet", "stages '", config.stages.front(), "' (stride ",
            output_stride_, ") and '", name, "' (stride ", stage_stride[stage],
            ") have different resolutions and cannot be concatenated");
    }
    selected_.push_back(stage);
    output_stride_ = stage_stride[stage];
    feature_channels_ += stage_channels[stage];
  }
}

Pool2dParams ResNet::stem_pool() const {
  Pool2dParams p = Pool2dParams::square(3, 2, 1);
  p.ceil_mode = config_.stem_pool_ceil_mode;
  return p;
}

std::vector<Tensor> ResNet::forward_all_stages(const Tensor& images) {
  C2AM_CHECK(images.dim() == 4 && images.size(1) == 3, "ResNet", "expected images [N, 3, H, W], got ", images.describe());
  std::vector<Tensor> out{relu(bn1_->forward(conv1_->forward(images)))};
  Tensor x = max_pool2d(out.front(), stem_pool());
  for (int stage = 0; stage < 4; ++stage) {
    x = layers_[stage]->forward(x);
    out.push_back(x);
  }
  return out;
}

Tensor ResNet::forward(const Tensor& images) {
  C2AM_CHECK(images.dim() == 4 && images.size(1) == 3, "ResNet", "expected images [N, 3, H, W], got ", images.describe());
  Tensor x = fused_inference(*this) ? conv_batch_norm_inference(*conv1_, *bn1_, images, {}, true)
                                    : relu(bn1_->forward(conv1_->forward(images)));
  x = max_pool2d(x, stem_pool());
  std::array<Tensor, 4> outputs;
  const int last = *std::max_element(selected_.begin(), selected_.end());
  for (int stage = 0; stage <= last; ++stage) {
    x = layers_[stage]->forward(x);
    outputs[stage] = x;
  }
  std::vector<Tensor> chosen;
  for (int stage : selected_) chosen.push_back(outputs[stage]);
  return chosen.size() == 1 ? chosen.front() : cat(chosen, 1);
}

}  // namespace c2am::nn
