// The cue-refinement network (wsss/saliency_net.hpp) against PyTorch:
// tests/data/parity_poolnet_tiny.safetensors (tools/make_poolnet_fixture.py)
// holds PoolNet's topology at 1/32 of its channels with random weights and
// BatchNorm statistics, an input, a {0, 1} cue, PyTorch's logits, the
// release's loss (BCE-with-logits sum / 10), every trained parameter's
// gradient and the parameters after one Adam step (lr 5e-5, weight decay
// 5e-4), all in evaluation mode as the release trains, in float64: float32
// gradients of a ReLU network flip wherever a pre-activation is within
// rounding of 0, so two correct float32 implementations differ there (up to
// 5e-3 on one tensor of this network at 1/16 width). c2am's float64 path is
// compared with every value; its float32 forward with the logits.

#include <catch2/catch.hpp>

#include <map>

#include "c2am/io/weights.hpp"
#include "c2am/loss/supervised.hpp"
#include "c2am/train/adam.hpp"
#include "c2am/wsss/saliency_net.hpp"
#include "support/test_support.hpp"

using namespace c2am;

namespace {

const std::string kFixture = std::string(C2AM_TEST_DATA_DIR) + "/parity_poolnet_tiny.safetensors";

// float64 against float64: the same arithmetic up to summation order.
constexpr double kBound = 1e-9;
// float32 forward against float64: DESIGN.md's strict fp32, over a 60-layer chain.
constexpr double kFloat32Bound = 1e-4;

wsss::SaliencyNetConfig fixture_config(const safetensors::Metadata& metadata, DType dtype) {
  wsss::SaliencyNetConfig config = wsss::SaliencyNetConfig{}.scaled_down(std::stoi(metadata.at("divisor")));
  config.dtype = dtype;
  return config;
}

}  // namespace

TEST_CASE("saliency network: logits, BCE loss, gradients and one Adam step match PyTorch", "[parity][refine]") {
  safetensors::Metadata metadata;
  const safetensors::NamedTensors all = safetensors::load(kFixture, &metadata);
  const std::map<std::string, Tensor> fixture(all.begin(), all.end());
  wsss::SaliencyNet net(fixture_config(metadata, DType::Float64));
  LoadOptions options;
  options.strip_prefix = "param.";
  const LoadReport report = load_state(net, all, options, kFixture);
  REQUIRE(report.loaded == net.state().size());
  net.eval();
  Adam adam({{"trained", net.trainable_parameters(), 1.0, std::stod(metadata.at("weight_decay"))}});
  const Tensor logits = net.forward(fixture.at("input"));
  const Tensor loss = bce_with_logits_sum(logits, fixture.at("label"), 1.0 / std::stod(metadata.at("iter_size")));
  const auto rel = c2am::testing::scale_relative_error;
  CHECK(rel(logits, fixture.at("logits")) <= kBound);
  CHECK(rel(loss, fixture.at("loss")) <= kBound);
  loss.backward();
  double worst_grad = 0, worst_step = 0;
  std::size_t trained = 0;
  for (const auto& [name, p] : net.trainable_parameters()) {
    INFO(name);
    REQUIRE(fixture.count("grad." + name) == 1);
    const double e = rel(p.grad(), fixture.at("grad." + name));
    CHECK(e <= kBound);
    worst_grad = std::max(worst_grad, e);
    ++trained;
  }
  // PoolNet trains every parameter but the backbone's BatchNorm ones.
  std::size_t in_fixture = 0;
  for (const auto& [name, t] : all) in_fixture += name.rfind("grad.", 0) == 0;
  CHECK(trained == in_fixture);
  adam.step(std::stod(metadata.at("lr")));
  for (const auto& [name, p] : net.trainable_parameters()) {
    INFO(name);
    const double e = rel(p, fixture.at("after." + name));
    CHECK(e <= kBound);
    worst_step = std::max(worst_step, e);
  }
  std::printf("parity saliency net (float64): logits %.3g, loss %.3g, gradients worst %.3g, after Adam worst %.3g\n",
              rel(logits, fixture.at("logits")), rel(loss, fixture.at("loss")), worst_grad, worst_step);

  // The float32 network on the same weights and input.
  wsss::SaliencyNet single(fixture_config(metadata, DType::Float32));
  load_state(single, all, options, kFixture);
  single.eval();
  const double f32 = rel(single.forward(fixture.at("input").to(DType::Float32)), fixture.at("logits"));
  std::printf("parity saliency net (float32 forward): logits %.3g\n", f32);
  CHECK(f32 <= kFloat32Bound);
}

TEST_CASE("saliency network: PoolNet's state names, frozen BatchNorm, input transform, size limit", "[refine]") {
  wsss::SaliencyNet net(wsss::SaliencyNetConfig{}.scaled_down(16));
  std::map<std::string, Shape> names;
  for (const auto& [name, t] : net.state()) names[name] = t.shape();
  for (const char* name : {"base.resnet.conv1.weight", "base.resnet.layer4.2.conv2.weight", "base.ppms_pre.weight",
                           "base.ppms.2.1.weight", "base.ppm_cat.0.weight", "base.infos.3.0.weight",
                           "deep_pool.0.convs.2.weight", "deep_pool.3.conv_sum_c.weight", "deep_pool.4.conv_sum.weight",
                           "score.score.weight", "score.score.bias", "convert.convert0.4.0.weight"}) {
    INFO(name);
    CHECK(names.count(name) == 1);
  }
  CHECK(names.count("deep_pool.4.conv_sum_c.weight") == 0);
  // layer4 dilated: stride on conv1 of layer2's first block, 3×3 of layer4 with dilation 2.
  CHECK(names.at("base.resnet.layer4.0.conv2.weight") == Shape{32, 32, 3, 3});
  for (const auto& [name, t] : net.trainable_parameters()) {
    INFO(name);
    CHECK(name.find(".bn") == std::string::npos);
  }
  // The input: BGR, 0–255, minus the Caffe means.
  Image image(1, 1);
  image.pixels = {200, 100, 50};  // R, G, B
  const auto v = wsss::to_saliency_input(image).to_vector<double>();
  CHECK(v[0] == Approx(50 - 104.00699));
  CHECK(v[1] == Approx(100 - 116.66877));
  CHECK(v[2] == Approx(200 - 122.67892));
  CHECK_THAT(c2am::testing::error_message([&] { net.forward(zeros({1, 3, 120, 200})); }),
             Catch::Contains("at least 128 pixels a side"));
}

