// The second WSOL stage against PyTorch: tests/data/parity_stage2_tiny.safetensors
// (tools/make_stage2_fixture.py) holds a tiny torchvision-topology box
// regressor with the release's head, its input, targets, PyTorch's outputs,
// 50 × MSE loss, gradients and the state after two SGD steps with the
// release's parameter groups and cosine schedule; and a tiny classifier's
// logits, cross-entropy and gradients. Also checks the full-size models'
// state names and shapes against torchvision's.

#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "c2am/io/weights.hpp"
#include "c2am/loss/supervised.hpp"
#include "c2am/nn/pooled_resnet.hpp"
#include "c2am/wsol/stage2_recipe.hpp"
#include "support/test_support.hpp"

using namespace c2am;

namespace {

const std::string kFixture = std::string(C2AM_TEST_DATA_DIR) + "/parity_stage2_tiny.safetensors";

struct Fixture {
  safetensors::Metadata metadata;  // declared first: load() below fills it
  safetensors::NamedTensors all;
  std::map<std::string, Tensor> tensors;
  Fixture() : all(safetensors::load(kFixture, &metadata)), tensors(all.begin(), all.end()) {}
  const Tensor& operator[](const std::string& name) const {
    const auto found = tensors.find(name);
    if (found == tensors.end()) throw Error("stage-2 fixture has no tensor '" + name + "'");
    return found->second;
  }
  nn::ResNetConfig backbone() const {
    nn::ResNetConfig config = nn::torchvision_resnet(18);
    config.base_width = std::stoi(metadata.at("base_width"));
    return config;
  }
  void load_into(nn::Module& model, const std::string& prefix) const {
    LoadOptions options;
    options.strip_prefix = prefix;
    const LoadReport report = load_state(model, all, options, kFixture);
    REQUIRE(report.loaded == model.state().size());
  }
};

double relative_error(const Tensor& actual, const Tensor& expected) {
  REQUIRE(actual.shape() == expected.shape());
  return c2am::testing::scale_relative_error(actual, expected);
}

// DESIGN.md: strict fp32 ≈ 1e-5 relative per op; a whole network's chain gets 1e-4 (as the C²AM parity test).
constexpr double kBound = 1e-4;

void check_state(const nn::Module& model, const Fixture& fixture, const std::string& prefix) {
  double worst = 0;
  for (const auto& [name, t] : model.state()) {
    const double error = relative_error(t, fixture[prefix + name]);
    INFO(prefix << name << ": relative error " << error);
    CHECK(error <= kBound);
    worst = std::max(worst, error);
  }
  std::printf("parity %s*: %zu tensors, worst relative error %.3g\n", prefix.c_str(), model.state().size(), worst);
}

}  // namespace

TEST_CASE("box regressor: outputs, 50×MSE, gradients and two SGD steps match PyTorch", "[parity][stage2]") {
  const Fixture fixture;
  nn::BoxRegressor model(fixture.backbone());
  fixture.load_into(model, "reg.param.");
  Sgd sgd(wsol::stage2_groups(model, 2.0, 1e-4), {0.9, false});
  const double lr = std::stod(fixture.metadata.at("lr"));
  const std::size_t t_max = std::stoul(fixture.metadata.at("t_max"));
  model.train();
  for (int step = 0; step < 2; ++step) {
    INFO("step " << step);
    sgd.zero_grad();
    const std::string at = "reg.step" + std::to_string(step) + ".";
    const Tensor out = model.forward(fixture["reg.input"]);
    const Tensor loss = wsol::regression_loss(out, fixture["reg.target"]);
    CHECK(relative_error(out, fixture[at + "out"]) <= kBound);
    CHECK(relative_error(loss, fixture[at + "loss"]) <= kBound);
    loss.backward();
    if (step == 0) {
      double worst = 0;
      for (const auto& [name, p] : model.named_parameters()) {
        const double error = relative_error(p.grad(), fixture["reg.step0.grad." + name]);
        INFO("gradient of " << name << ": relative error " << error);
        CHECK(error <= kBound);
        worst = std::max(worst, error);
      }
      std::printf("parity regressor gradients: worst relative error %.3g\n", worst);
    }
    sgd.step(scheduled_lr(Schedule::Cosine, lr, static_cast<std::size_t>(step), t_max));
    check_state(model, fixture, at + "after.");
  }
}

TEST_CASE("classifier: logits, cross-entropy and gradients match PyTorch", "[parity][stage2]") {
  const Fixture fixture;
  nn::ResNetClassifier model(fixture.backbone(), std::stoi(fixture.metadata.at("classes")));
  fixture.load_into(model, "cls.param.");
  model.train();
  const Tensor logits = model.forward(fixture["cls.input"]);
  const std::vector<std::int64_t> labels = fixture["cls.labels"].to_vector<std::int64_t>();
  const Tensor loss = cross_entropy(logits, labels);
  CHECK(relative_error(logits, fixture["cls.logits"]) <= kBound);
  CHECK(relative_error(loss, fixture["cls.loss"]) <= kBound);
  loss.backward();
  for (const auto& [name, p] : model.named_parameters()) {
    INFO("gradient of " << name);
    CHECK(relative_error(p.grad(), fixture["cls.grad." + name]) <= kBound);
  }
}

TEST_CASE("full-size regressor and classifier carry torchvision's state names and shapes", "[parity][stage2]") {
  const Fixture fixture;
  const auto names = nlohmann::json::parse(fixture.metadata.at("torchvision_names"));
  const auto compare = [](const nn::Module& model, const nlohmann::json& expected) {
    std::map<std::string, Shape> actual;
    for (const auto& [name, t] : model.state()) actual[name] = t.shape();
    CHECK(actual.size() == expected.size());
    for (const auto& [name, shape] : expected.items()) {
      INFO(name);
      REQUIRE(actual.count(name) == 1);
      CHECK(actual.at(name) == shape.get<Shape>());
    }
  };
  compare(nn::BoxRegressor(50), names.at("regressor_resnet50"));
  compare(nn::ResNetClassifier(18, 1000), names.at("classifier_resnet18"));
}
