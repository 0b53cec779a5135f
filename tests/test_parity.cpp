// The whole model against PyTorch: tests/data/parity_resnet18_tiny.safetensors
// (tools/make_parity_fixture.py) holds a tiny ResNet-18-shaped C²AM model's
// parameters, an input batch, PyTorch's outputs, loss terms, every
// parameter's gradient and the BatchNorm statistics after the step, all in
// training mode. Also checks parameter names and shapes against torchvision.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "c2am/io/weights.hpp"
#include "support/test_support.hpp"

using namespace c2am;

namespace {

const std::string kFixture = std::string(C2AM_TEST_DATA_DIR) + "/parity_resnet18_tiny.safetensors";

struct Fixture {
  std::map<std::string, Tensor> tensors;
  safetensors::Metadata metadata;

  Fixture() {
    const auto loaded = safetensors::load(kFixture, &metadata);
    tensors.insert(loaded.begin(), loaded.end());
  }
  const Tensor& operator[](const std::string& name) const {
    const auto found = tensors.find(name);
    if (found == tensors.end()) throw Error("parity fixture has no tensor '" + name + "'");
    return found->second;
  }
};

double relative_error(const Tensor& actual, const Tensor& expected) {
  REQUIRE(actual.shape() == expected.shape());
  return c2am::testing::scale_relative_error(actual, expected);
}

// Checks every pair and reports the worst error of the family.
void check_family(const char* family, const std::vector<std::tuple<std::string, Tensor, Tensor>>& pairs,
                  double bound) {
  double worst = 0;
  std::string worst_name;
  for (const auto& [name, actual, expected] : pairs) {
    const double error = relative_error(actual, expected);
    INFO(family << " " << name << ": relative error " << error);
    CHECK(error <= bound);
    if (error >= worst) worst = error, worst_name = name;
  }
  std::printf("parity %-10s %3zu tensors, worst relative error %.3g (%s)\n", family, pairs.size(), worst,
              worst_name.c_str());
}

}  // namespace

TEST_CASE("forward, loss, gradients and BatchNorm statistics match PyTorch", "[parity][model]") {
  const Fixture fixture;
  ModelConfig config;
  config.backbone.depth = std::stoi(fixture.metadata.at("depth"));
  config.backbone.base_width = std::stoi(fixture.metadata.at("base_width"));
  const double alpha = std::stod(fixture.metadata.at("alpha"));
  Model model(config);
  LoadOptions options;
  options.strip_prefix = "param.";
  safetensors::NamedTensors file(fixture.tensors.begin(), fixture.tensors.end());
  const LoadReport report = load_state(model, file, options, kFixture);
  REQUIRE(report.loaded == model.state().size());

  model.train();
  const ModelOutput out = model.forward(fixture["input"]);
  const ContrastiveLossTerms loss = contrastive_loss(out.fg, out.bg, alpha);
  loss.total.backward();

  constexpr double kBound = 1e-4;
  check_family("outputs",
               {{"fg", out.fg, fixture["out.fg"]}, {"bg", out.bg, fixture["out.bg"]},
                {"map", out.map, fixture["out.map"]}},
               kBound);
  check_family("loss",
               {{"bg_bg", loss.bg_bg, fixture["loss.bg_bg"]},
                {"bg_fg", loss.bg_fg, fixture["loss.bg_fg"]},
                {"fg_fg", loss.fg_fg, fixture["loss.fg_fg"]},
                {"total", loss.total, fixture["loss.total"]}},
               kBound);
  std::vector<std::tuple<std::string, Tensor, Tensor>> grads, buffers;
  for (const auto& [name, param] : model.named_parameters()) {
    REQUIRE(param.grad().defined());
    grads.emplace_back(name, param.grad(), fixture["grad." + name]);
  }
  for (const auto& [name, buffer] : model.named_buffers()) buffers.emplace_back(name, buffer, fixture["after." + name]);
  check_family("gradients", grads, kBound);
  check_family("buffers", buffers, kBound);
}

TEST_CASE("parameter and buffer names and shapes are torchvision's", "[parity][model]") {
  const Fixture fixture;
  const auto names = nlohmann::json::parse(fixture.metadata.at("torchvision_names"));
  for (const auto& [depth, expected] : names.items()) {
    INFO("ResNet-" << depth);
    nn::ResNetConfig config;
    config.depth = std::stoi(depth);
    Generator gen(0);
    nn::ResNet net(config, gen);
    std::map<std::string, Shape> actual;
    for (const auto& [name, t] : net.state()) actual[name] = t.shape();
    CHECK(actual.size() == expected.size());
    for (const auto& [name, shape] : expected.items()) {
      INFO(name);
      REQUIRE(actual.count(name) == 1);
      CHECK(actual.at(name) == shape.get<Shape>());
    }
  }
}
