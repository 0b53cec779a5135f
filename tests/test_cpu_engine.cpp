// The oneDNN CPU engine against c2am's reference kernels: float32 results
// through oneDNN compared with the same op in float64 (which always runs the
// reference kernels, themselves checked against naive loops and finite
// differences elsewhere), over geometries that exercise strides, padding,
// dilation, odd sizes, 1×1 and 7×7 kernels; the fused inference op against
// the separate ops; training determinism run to run.

#include <catch2/catch.hpp>

#include "support/test_support.hpp"

using namespace c2am;
using namespace c2am::testing;

namespace {

// Runs `body` with the oneDNN engine when the build has it; says so when not.
template <typename Body>
void with_onednn(Body&& body) {
  if (!onednn_available()) {
    WARN("this build has no oneDNN: the float32 ops below run the reference kernels");
    body();
    return;
  }
  const CpuEngine previous = cpu_engine();
  set_cpu_engine(CpuEngine::OneDnn);
  try {
    body();
  } catch (...) {
    set_cpu_engine(previous);
    throw;
  }
  set_cpu_engine(previous);
}

// float32 tolerance relative to the tensor's scale: sums of up to a few
// thousand products, each rounded once (oneDNN's blocking orders them differently).
constexpr double kFloat32Tolerance = 2e-5;

struct ConvCase {
  Shape input, weight;
  Conv2dParams params;
  bool bias;
};

const std::vector<ConvCase>& conv_cases() {
  static const std::vector<ConvCase> cases = {
      {{2, 3, 23, 19}, {8, 3, 7, 7}, Conv2dParams::square(2, 3), false},          // a stem: 3 channels, 7×7, stride 2
      {{3, 16, 14, 14}, {32, 16, 3, 3}, Conv2dParams::square(1, 1), true},        // 3×3, bias
      {{2, 32, 15, 13}, {16, 32, 1, 1}, Conv2dParams::square(2, 0), false},       // strided 1×1 shortcut, odd sizes
      {{1, 24, 9, 11}, {40, 24, 1, 1}, Conv2dParams::square(1, 0), true},         // pointwise
      {{2, 8, 17, 17}, {8, 8, 3, 3}, Conv2dParams::square(1, 2, 2), false},       // dilation 2 (PoolNet's layer4)
      {{2, 5, 12, 10}, {7, 5, 3, 5}, {2, 1, 1, 2, 1, 3}, true},                  // rectangular kernel, mixed params
      {{4, 64, 7, 7}, {1, 64, 3, 3}, Conv2dParams::square(1, 1), false},          // the C²AM head: one channel out
  };
  return cases;
}

Tensor f64(const Tensor& t) { return t.detach().to(DType::Float64); }

// A ResNet-18-shaped C²AM model at base width 8 (the demo's size).
ModelConfig tiny_model() {
  ModelConfig config;
  config.backbone.depth = 18;
  config.backbone.base_width = 8;
  return config;
}

}  // namespace

TEST_CASE("oneDNN convolution forward equals the float64 reference", "[onednn]") {
  with_onednn([] {
    Generator gen(11);
    for (const ConvCase& c : conv_cases()) {
      const Tensor x = random_tensor(c.input, gen, DType::Float32);
      const Tensor w = random_tensor(c.weight, gen, DType::Float32);
      const Tensor b = c.bias ? random_tensor({c.weight[0]}, gen, DType::Float32) : Tensor();
      const Tensor expected = conv2d(f64(x), f64(w), c.bias ? f64(b) : Tensor(), c.params);
      INFO("input " << x.describe() << ", weight " << w.describe());
      CHECK(scale_relative_error(conv2d(x, w, b, c.params), expected) < kFloat32Tolerance);
      // Non-contiguous inputs are made dense first.
      CHECK(scale_relative_error(conv2d(non_contiguous(x), w, b, c.params), expected) < kFloat32Tolerance);
    }
  });
}

TEST_CASE("oneDNN convolution gradients equal the float64 reference", "[onednn]") {
  with_onednn([] {
    Generator gen(12);
    for (const ConvCase& c : conv_cases()) {
      INFO("input channels " << c.input[1] << ", kernel " << c.weight[2] << "x" << c.weight[3] << ", stride "
                             << c.params.stride_h);
      std::vector<Tensor> grads32, grads64;
      const Tensor x = random_tensor(c.input, gen, DType::Float32);
      const Tensor w = random_tensor(c.weight, gen, DType::Float32);
      const Tensor b = c.bias ? random_tensor({c.weight[0]}, gen, DType::Float32) : Tensor();
      for (DType dtype : {DType::Float32, DType::Float64}) {
        Tensor xi = x.to(dtype).detach().set_requires_grad(), wi = w.to(dtype).detach().set_requires_grad();
        Tensor bi = c.bias ? b.to(dtype).detach().set_requires_grad() : Tensor();
        const Tensor y = conv2d(xi, wi, bi, c.params);
        Generator projection(5);
        y.backward(random_tensor(y.shape(), projection, dtype));
        auto& out = dtype == DType::Float32 ? grads32 : grads64;
        out = {xi.grad(), wi.grad(), c.bias ? bi.grad() : Tensor()};
      }
      CHECK(scale_relative_error(grads32[0], grads64[0]) < kFloat32Tolerance);
      CHECK(scale_relative_error(grads32[1], grads64[1]) < kFloat32Tolerance);
      if (c.bias) CHECK(scale_relative_error(grads32[2], grads64[2]) < kFloat32Tolerance);
    }
  });
}

TEST_CASE("oneDNN batch norm equals the float64 reference, with running statistics", "[onednn]") {
  with_onednn([] {
    Generator gen(13);
    for (const bool training : {true, false}) {
      for (const bool affine : {true, false}) {
        INFO("training " << training << ", affine " << affine);
        const Tensor x = random_tensor({3, 6, 7, 5}, gen, DType::Float32, -2.0, 3.0);
        const Tensor gamma = random_tensor({6}, gen, DType::Float32, 0.5, 1.5);
        const Tensor beta = random_tensor({6}, gen, DType::Float32);
        const Tensor mean0 = random_tensor({6}, gen, DType::Float32), var0 = random_tensor({6}, gen, DType::Float32, 0.5, 2.0);
        const Tensor projection = random_tensor(x.shape(), gen, DType::Float32);
        std::vector<Tensor> results[2];
        for (DType dtype : {DType::Float32, DType::Float64}) {
          Tensor xi = x.to(dtype).detach().set_requires_grad();
          Tensor gi = affine ? gamma.to(dtype).detach().set_requires_grad() : Tensor();
          Tensor bi = affine ? beta.to(dtype).detach().set_requires_grad() : Tensor();
          Tensor rm = mean0.to(dtype).clone(), rv = var0.to(dtype).clone();
          BatchNormParams p;
          p.training = training;
          const Tensor y = batch_norm2d(xi, gi, bi, rm, rv, p);
          y.backward(projection.to(dtype));
          results[dtype == DType::Float64] = {y, xi.grad(), rm, rv, affine ? gi.grad() : Tensor(),
                                              affine ? bi.grad() : Tensor()};
        }
        const char* names[] = {"output", "input gradient", "running mean", "running variance", "weight gradient",
                               "bias gradient"};
        for (std::size_t k = 0; k < 6; ++k) {
          if (!results[1][k].defined()) continue;
          INFO(names[k]);
          CHECK(scale_relative_error(results[0][k], results[1][k]) < kFloat32Tolerance);
        }
      }
    }
  });
}

TEST_CASE("fused conv + batch norm + residual + ReLU inference equals the separate ops", "[onednn]") {
  with_onednn([] {
    Generator gen(14);
    for (const ConvCase& c : conv_cases()) {
      for (const bool with_residual : {false, true}) {
        for (const bool relu : {false, true}) {
          NoGradGuard no_grad;
          const std::int64_t co = c.weight[0];
          const Tensor x = random_tensor(c.input, gen, DType::Float32);
          const Tensor w = random_tensor(c.weight, gen, DType::Float32);
          const Tensor b = c.bias ? random_tensor({co}, gen, DType::Float32) : Tensor();
          const Tensor gamma = random_tensor({co}, gen, DType::Float32, 0.5, 1.5);
          const Tensor beta = random_tensor({co}, gen, DType::Float32);
          const Tensor mean = random_tensor({co}, gen, DType::Float32);
          const Tensor var = random_tensor({co}, gen, DType::Float32, 0.5, 2.0);
          const Tensor plain = conv2d(f64(x), f64(w), c.bias ? f64(b) : Tensor(), c.params);
          const Tensor residual = with_residual ? random_tensor(plain.shape(), gen, DType::Float32) : Tensor();
          BatchNormParams eval;
          eval.training = false;
          Tensor expected = batch_norm2d(plain, f64(gamma), f64(beta), f64(mean), f64(var).clone(), eval);
          if (with_residual) expected = expected + f64(residual);
          if (relu) expected = c2am::relu(expected);
          const Tensor fused = conv2d_batch_norm_inference(x, w, b, c.params, gamma, beta, mean, var, 1e-5,
                                                           residual, relu);
          INFO("input " << x.describe() << ", residual " << with_residual << ", relu " << relu);
          CHECK(scale_relative_error(fused, expected) < kFloat32Tolerance);
          // The residual is read, never written.
          if (with_residual) CHECK(residual.defined());
        }
      }
    }
  });
}

TEST_CASE("fused inference leaves its residual input unchanged", "[onednn]") {
  with_onednn([] {
    NoGradGuard no_grad;
    Generator gen(15);
    // 1×1 on 16 channels: oneDNN may compute in the plain layout, where the
    // sum post-op would otherwise write into the residual's own memory.
    const Tensor x = random_tensor({2, 16, 6, 6}, gen, DType::Float32);
    const Tensor w = random_tensor({16, 16, 1, 1}, gen, DType::Float32);
    const Tensor ones16 = ones({16}), zeros16 = zeros({16});
    const Tensor residual = random_tensor({2, 16, 6, 6}, gen, DType::Float32);
    const Tensor before = residual.clone();
    conv2d_batch_norm_inference(x, w, Tensor(), {}, ones16, zeros16, zeros16, ones16, 1e-5, residual, true);
    CHECK(scale_relative_error(residual, before) == 0.0);
  });
}

TEST_CASE("fused inference refuses inputs that need a gradient", "[onednn]") {
  Generator gen(16);
  const Tensor x = random_tensor({1, 2, 4, 4}, gen, DType::Float32);
  Tensor w = random_tensor({2, 2, 3, 3}, gen, DType::Float32).set_requires_grad();
  const Tensor ones2 = ones({2}), zeros2 = zeros({2});
  CHECK_THAT(error_message([&] {
               conv2d_batch_norm_inference(x, w, Tensor(), Conv2dParams::square(1, 1), ones2, zeros2, zeros2, ones2,
                                           1e-5, Tensor(), false);
             }),
             Catch::Contains("conv2d_batch_norm_inference") && Catch::Contains("NoGradGuard"));
}

TEST_CASE("a model's maps in evaluation mode: fused equals the separate ops", "[onednn]") {
  with_onednn([] {
    Model model(tiny_model());
    // Move the running statistics away from 0/1 so that the folding matters.
    {
      Generator gen(17);
      NoGradGuard no_grad;
      model.train();
      for (int i = 0; i < 2; ++i) model.forward(random_tensor({2, 3, 48, 48}, gen, DType::Float32));
    }
    model.eval();
    Generator gen(18);
    const Tensor images = random_tensor({2, 3, 64, 64}, gen, DType::Float32);
    const Tensor separate = model.forward_raw_map(images);  // gradient recording on: the separate ops
    NoGradGuard no_grad;
    const Tensor fused = model.forward_raw_map(images);  // folded and fused
    CHECK(scale_relative_error(fused, separate) < 1e-4);
  });
}

TEST_CASE("CPU training is deterministic run to run for one thread count", "[onednn]") {
  with_onednn([] {
    std::vector<Tensor> runs[2];
    for (auto& weights : runs) {
      Model model(tiny_model());
      const ParameterGroups g = model.parameter_groups();
      Sgd sgd({{"bw", g.backbone_weights, 1, 1e-4}, {"hw", g.head_weights, 10, 1e-4}}, {0.9, false});
      Generator gen(19);
      for (int step = 0; step < 2; ++step) {
        const ModelOutput out = model.forward(random_tensor({4, 3, 64, 64}, gen, DType::Float32));
        const Tensor loss = contrastive_loss(out.fg, out.bg, 0.05).total;
        sgd.zero_grad();
        loss.backward();
        sgd.step(0.1);
      }
      for (const auto& [name, t] : model.named_parameters()) weights.push_back(t.detach().clone());
    }
    REQUIRE(runs[0].size() == runs[1].size());
    for (std::size_t i = 0; i < runs[0].size(); ++i) CHECK(scale_relative_error(runs[0][i], runs[1][i]) == 0.0);
  });
}

TEST_CASE("the CPU engine switch", "[onednn]") {
  if (onednn_available()) {
    const CpuEngine previous = cpu_engine();
    set_cpu_engine(CpuEngine::Reference);
    CHECK(cpu_engine() == CpuEngine::Reference);
    set_cpu_engine(previous);
  } else {
    CHECK(cpu_engine() == CpuEngine::Reference);
    CHECK_THAT(error_message([] { set_cpu_engine(CpuEngine::OneDnn); }), Catch::Contains("no oneDNN"));
  }
}

TEST_CASE("fused inference follows parameters that change between calls", "[onednn]") {
  with_onednn([] {
    Model model(tiny_model());
    model.eval();
    Generator gen(20);
    const Tensor images = random_tensor({1, 3, 48, 48}, gen, DType::Float32);
    const auto fused_and_separate = [&] {
      const Tensor separate = model.forward_raw_map(images);
      NoGradGuard no_grad;
      return std::make_pair(model.forward_raw_map(images), separate);
    };
    const auto [fused0, separate0] = fused_and_separate();
    CHECK(scale_relative_error(fused0, separate0) < 1e-4);
    // Change a running variance (fill_), a convolution weight (copy_) and
    // the head's batch-norm weight: the cached folded weights must follow.
    auto named = model.named_parameters();
    auto buffers = model.named_buffers();
    for (auto& [name, t] : buffers) {
      if (name == "backbone.layer1.0.bn1.running_var") t.fill_(3.0);
    }
    for (auto& [name, t] : named) {
      NoGradGuard no_grad;
      if (name == "backbone.layer2.0.conv1.weight") t.copy_(t * -0.5);
      if (name == "ac_head.bn_head.weight") t.fill_(-2.0);
    }
    const auto [fused1, separate1] = fused_and_separate();
    CHECK(scale_relative_error(fused1, separate0) > 1e-2);  // the change matters
    CHECK(scale_relative_error(fused1, separate1) < 1e-4);
  });
}
