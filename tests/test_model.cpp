// ResNet backbones, the activation head and c2am::Model: shapes, names,
// train/eval behaviour, pooled embeddings and parameter groups.

#include <catch2/catch.hpp>

#include <set>

#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::compare;
using c2am::testing::random_tensor;

namespace {

ModelConfig tiny(int depth, std::int64_t width = 4) {
  ModelConfig config;
  config.backbone.depth = depth;
  config.backbone.base_width = width;
  config.seed = 5;
  return config;
}

std::set<std::string> names(const nn::NamedTensors& tensors) {
  std::set<std::string> out;
  for (const auto& [name, t] : tensors) out.insert(name);
  return out;
}

}  // namespace

TEST_CASE("feature channels and output stride of each depth", "[model]") {
  Generator gen(1);
  for (auto [depth, channels] : {std::pair{18, 48}, {34, 48}, {50, 192}, {101, 192}}) {
    INFO("depth " << depth);
    nn::ResNetConfig config;
    config.depth = depth;
    config.base_width = 4;  // 4 · (8 + 4) = 48 basic, × 4 for bottlenecks
    nn::ResNet net(config, gen);
    CHECK(net.feature_channels() == channels);
    CHECK(net.output_stride() == 16);
    if (depth <= 50) {
      const Tensor z = net.forward(random_tensor({2, 3, 64, 48}, gen, DType::Float32));
      CHECK(z.shape() == Shape{2, channels, 4, 3});
    }
  }
}

TEST_CASE("names follow torchvision", "[model]") {
  Model model(tiny(50));
  const auto state = names(model.state());
  for (const char* name :
       {"backbone.conv1.weight", "backbone.bn1.running_mean", "backbone.bn1.num_batches_tracked",
        "backbone.layer1.0.conv3.weight", "backbone.layer1.0.downsample.0.weight", "backbone.layer1.0.downsample.1.bias",
        "backbone.layer3.5.bn2.running_var", "backbone.layer4.2.conv2.weight", "ac_head.activation_head.weight",
        "ac_head.bn_head.weight", "ac_head.bn_head.running_mean"}) {
    INFO(name);
    CHECK(state.count(name) == 1);
  }
  CHECK(state.count("backbone.layer3.6.conv1.weight") == 0);  // ResNet-50 has 6 blocks in layer3
  CHECK(state.count("backbone.fc.weight") == 0);
  CHECK(state.count("backbone.layer1.0.conv1.bias") == 0);     // torchvision convs have no bias
  Model basic(tiny(18));
  const auto basic_state = names(basic.state());
  CHECK(basic_state.count("backbone.layer1.0.downsample.0.weight") == 0);  // same width, stride 1
  CHECK(basic_state.count("backbone.layer2.0.downsample.0.weight") == 1);
  CHECK(basic_state.count("backbone.layer4.0.downsample.0.weight") == 1);  // stride 1, but twice the width
  CHECK(basic_state.count("backbone.layer1.1.conv3.weight") == 0);
}

TEST_CASE("forward gives a sigmoid map and embeddings that add up to the mean feature", "[model]") {
  Model model(tiny(18));
  Generator gen(2);
  const Tensor images = random_tensor({3, 3, 64, 64}, gen, DType::Float32);
  const ModelOutput out = model.forward(images);
  CHECK(out.map.shape() == Shape{3, 1, 4, 4});
  CHECK(out.fg.shape() == Shape{3, 48});
  for (double p : out.map.to_vector<double>()) {
    REQUIRE(p >= 0.0);
    REQUIRE(p <= 1.0);
  }
  // P + (1 − P) = 1: fg + bg is the mean feature of each image.
  const Tensor features = model.backbone().forward(images);
  C2AM_REQUIRE_OK(compare(out.fg + out.bg, mean(features, {2, 3}), 1e-5, 1e-6));
  // Raw map: the logits whose sigmoid is the map (same batch statistics).
  model.eval();
  const Tensor raw = model.forward_raw_map(images);
  C2AM_REQUIRE_OK(compare(sigmoid(raw), model.forward(images).map, 1e-6, 1e-7));
}

TEST_CASE("pooled embeddings against a loop", "[model]") {
  Generator gen(3);
  const Tensor z = random_tensor({2, 3, 2, 5}, gen, DType::Float64);
  const Tensor p = random_tensor({2, 1, 2, 5}, gen, DType::Float64, 0.0, 1.0);
  const auto [fg, bg] = pool_embeddings(z, p);
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t c = 0; c < 3; ++c) {
      double f = 0, b = 0;
      for (std::int64_t y = 0; y < 2; ++y)
        for (std::int64_t x = 0; x < 5; ++x) {
          f += p.at({i, 0, y, x}) * z.at({i, c, y, x});
          b += (1 - p.at({i, 0, y, x})) * z.at({i, c, y, x});
        }
      CHECK(fg.at({i, c}) == Approx(f / 10).epsilon(1e-12));
      CHECK(bg.at({i, c}) == Approx(b / 10).epsilon(1e-12));
    }
}

TEST_CASE("training mode updates running statistics, evaluation mode does not", "[model]") {
  Model model(tiny(18));
  Generator gen(4);
  const Tensor images = random_tensor({2, 3, 32, 32}, gen, DType::Float32);
  const Tensor before = model.head().norm().running_mean.clone();
  model.forward(images);
  CHECK(model.head().norm().num_batches_tracked.item() == 1);
  CHECK_FALSE(compare(model.head().norm().running_mean, before, 0, 0).ok);
  model.eval();
  const Tensor after_train = model.head().norm().running_mean.clone();
  const Tensor first = model.forward(images).map;
  C2AM_REQUIRE_OK(compare(model.head().norm().running_mean, after_train, 0, 0));
  C2AM_REQUIRE_OK(compare(model.forward(images).map, first, 0, 0));  // deterministic in eval
}

TEST_CASE("parameter groups as in the release", "[model]") {
  Model model(tiny(50));
  const ParameterGroups groups = model.parameter_groups();
  // ResNet-50: stem + 16 blocks × 3 convs + 4 downsample convs = 53 convolutions.
  CHECK(groups.backbone_weights.size() == 53);
  CHECK(groups.backbone_biases.empty());
  REQUIRE(groups.head_weights.size() == 1);
  CHECK(groups.head_weights[0].first == "ac_head.activation_head.weight");
  CHECK(groups.head_biases.empty());
  for (const auto& [name, t] : groups.backbone_weights) {
    INFO(name);
    CHECK(t.dim() == 4);
  }
  ModelConfig with_bn = tiny(50);
  with_bn.train_batchnorm_affine = true;
  const ParameterGroups all = Model(with_bn).parameter_groups();
  CHECK(all.backbone_weights.size() == 53 + 53);  // + one BatchNorm weight per convolution
  CHECK(all.backbone_biases.size() == 53);
  CHECK(all.head_biases.size() == 1);
  CHECK(all.backbone_weights.size() + all.backbone_biases.size() + all.head_weights.size() +
            all.head_biases.size() ==
        model.named_parameters().size());
}

TEST_CASE("the same seed builds the same model", "[model]") {
  Model a(tiny(18)), b(tiny(18));
  ModelConfig other = tiny(18);
  other.seed = 6;
  Model c(other);
  const auto sa = a.state(), sb = b.state(), sc = c.state();
  C2AM_REQUIRE_OK(compare(sa[0].second, sb[0].second, 0, 0));
  CHECK_FALSE(compare(sa[0].second, sc[0].second, 0, 0).ok);
}

TEST_CASE("bad backbone configurations are refused with the reason", "[model][errors]") {
  const auto message = [](nn::ResNetConfig config) -> std::string {
    Generator gen(0);
    try {
      nn::ResNet net(config, gen);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  nn::ResNetConfig config;
  config.base_width = 2;
  config.depth = 20;
  CHECK_THAT(message(config), Catch::Contains("depth") && Catch::Contains("20"));
  config.depth = 18;
  config.stages = {"layer5"};
  CHECK_THAT(message(config), Catch::Contains("layer5"));
  config.stages = {"layer4", "layer2"};
  CHECK_THAT(message(config), Catch::Contains("layer2") && Catch::Contains("resolution"));
  config.stages = {"layer4"};
  config.strides = {1, 2, 3, 1};
  CHECK_THAT(message(config), Catch::Contains("stride"));
}
