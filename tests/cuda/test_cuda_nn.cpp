// Convolution, batch norm and pooling (cuDNN) against the CPU, and the whole
// model on the GPU against the PyTorch parity fixture. Runs only where a GPU
// is present.

#include <catch2/catch.hpp>

#include <map>

#include "c2am/cuda/runtime.hpp"
#include "c2am/io/weights.hpp"
#include "c2am/loss/supervised.hpp"
#include "c2am/nn/pooled_resnet.hpp"
#include "c2am/train/adam.hpp"
#include "c2am/wsss/saliency_net.hpp"
#include "c2am/wsol/stage2_recipe.hpp"
#include "c2am/train/sgd.hpp"
#include "c2am/train/trainer.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::compare;
using c2am::testing::non_contiguous;
using c2am::testing::random_tensor;

namespace {

// Strict FP32 for the duration of a test.
struct StrictFp32 : c2am::testing::ScopedTf32 {
  StrictFp32() : ScopedTf32(false) {}
};

void check_against_cpu(const std::vector<Tensor>& inputs, const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                       double rtol, double atol) {
  std::vector<Tensor> a, b;
  for (const Tensor& t : inputs) {
    a.push_back(t.detach().clone().set_requires_grad());
    b.push_back(t.detach().to(Device::cuda()).set_requires_grad());
  }
  const Tensor ya = fn(a), yb = fn(b);
  C2AM_REQUIRE_OK(compare(yb.to(Device::cpu()), ya, rtol, atol));
  Generator gen(3);
  const Tensor w = random_tensor(ya.shape(), gen, ya.dtype());
  sum(ya * w).backward();
  sum(yb * w.to(Device::cuda())).backward();
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("gradient of input " << i);
    C2AM_REQUIRE_OK(compare(b[i].grad().to(Device::cpu()), a[i].grad(), rtol, atol));
  }
}

}  // namespace

TEST_CASE("GPU conv2d (cuDNN) matches the CPU, forward and backward", "[cuda][conv]") {
  StrictFp32 strict;
  Generator gen(1);
  struct Case {
    Shape x, w;
    Conv2dParams p;
  };
  for (const Case& c : std::vector<Case>{{{2, 3, 11, 9}, {4, 3, 3, 3}, Conv2dParams::square(1, 1)},
                                         {{1, 5, 16, 16}, {6, 5, 3, 3}, Conv2dParams::square(2, 1)},
                                         {{3, 8, 7, 7}, {16, 8, 1, 1}, Conv2dParams::square(1, 0)},
                                         {{1, 3, 32, 30}, {8, 3, 7, 7}, Conv2dParams::square(2, 3)},
                                         {{2, 4, 12, 12}, {2, 4, 3, 3}, Conv2dParams::square(1, 2, 2)}}) {
    for (DType dtype : {DType::Float32, DType::Float64}) {
      INFO(shape_str(c.x) << " * " << shape_str(c.w) << " " << dtype_name(dtype));
      const Tensor x = non_contiguous(random_tensor(c.x, gen, dtype));
      const Tensor w = random_tensor(c.w, gen, dtype);
      const Tensor bias = random_tensor({c.w[0]}, gen, dtype);
      const double tol = dtype == DType::Float64 ? 1e-11 : 1e-4;
      const auto p = c.p;
      check_against_cpu({x, w, bias}, [p](const auto& t) { return conv2d(t[0], t[1], t[2], p); }, tol, tol);
    }
  }
}

TEST_CASE("GPU batch norm (cuDNN) matches the CPU in both modes", "[cuda][norm]") {
  Generator gen(2);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor x = random_tensor({4, 3, 5, 6}, gen, dtype, -2.0, 3.0);
    const Tensor weight = random_tensor({3}, gen, dtype, 0.5, 1.5), bias = random_tensor({3}, gen, dtype);
    Tensor rm_cpu = random_tensor({3}, gen, dtype), rv_cpu = random_tensor({3}, gen, dtype, 0.5, 2.0);
    Tensor rm_gpu = rm_cpu.to(Device::cuda()), rv_gpu = rv_cpu.to(Device::cuda());
    const double tol = dtype == DType::Float64 ? 1e-10 : 1e-4;
    BatchNormParams training;
    std::vector<Tensor> stats_cpu{rm_cpu, rv_cpu}, stats_gpu{rm_gpu, rv_gpu};
    int calls = 0;
    check_against_cpu({x, weight, bias}, [&](const auto& t) {
      const bool gpu = t[0].device().is_cuda();
      ++calls;
      return batch_norm2d(t[0], t[1], t[2], gpu ? rm_gpu : rm_cpu, gpu ? rv_gpu : rv_cpu, training);
    }, tol, tol);
    CHECK(calls == 2);
    // Running statistics after one update each (unbiased variance on both).
    C2AM_REQUIRE_OK(compare(rm_gpu.to(Device::cpu()), rm_cpu, tol, tol));
    C2AM_REQUIRE_OK(compare(rv_gpu.to(Device::cpu()), rv_cpu, tol, tol));
    BatchNormParams evaluation;
    evaluation.training = false;
    check_against_cpu({x, weight, bias}, [&](const auto& t) {
      const bool gpu = t[0].device().is_cuda();
      return batch_norm2d(t[0], t[1], t[2], gpu ? rm_gpu : rm_cpu, gpu ? rv_gpu : rv_cpu, evaluation);
    }, tol, tol);
  }
}

TEST_CASE("GPU max and average pooling (cuDNN) match the CPU", "[cuda][pool]") {
  Generator gen(3);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor x = non_contiguous(random_tensor({2, 3, 13, 11}, gen, dtype));
    check_against_cpu({x}, [](const auto& t) { return max_pool2d(t[0], Pool2dParams::square(3, 2, 1)); }, 1e-6, 1e-6);
    check_against_cpu({x}, [](const auto& t) { return avg_pool2d(t[0], Pool2dParams::square(3, 2, 1)); }, 1e-6, 1e-6);
    check_against_cpu({x}, [](const auto& t) { return adaptive_avg_pool2d(t[0], 1, 1); }, 1e-6, 1e-6);
    // PoolNet's pyramid bins, its ceil-mode stem pooling and align-corners upsampling.
    check_against_cpu({x}, [](const auto& t) { return adaptive_avg_pool2d(t[0], 3, 5); }, 1e-6, 1e-6);
    Pool2dParams ceil = Pool2dParams::square(3, 2, 1);
    ceil.ceil_mode = true;
    check_against_cpu({x}, [ceil](const auto& t) { return max_pool2d(t[0], ceil); }, 1e-6, 1e-6);
    check_against_cpu({x}, [](const auto& t) { return resize_bilinear(t[0], 20, 9, true); }, 1e-6, 1e-6);
  }
}

TEST_CASE("GPU linear (cuBLAS), cross-entropy and MSE match the CPU", "[cuda][stage2]") {
  StrictFp32 strict;
  Generator gen(8);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    const double tol = dtype == DType::Float32 ? 1e-5 : 1e-12;
    check_against_cpu({random_tensor({5, 7}, gen, dtype), random_tensor({3, 7}, gen, dtype),
                       random_tensor({3}, gen, dtype)},
                      [](const auto& t) { return linear(t[0], t[1], t[2]); }, tol, tol);
    check_against_cpu({random_tensor({4, 6}, gen, dtype, -30.0, 30.0)},
                      [](const auto& t) { return cross_entropy(t[0], {5, 0, 2, 5}); }, tol, tol);
    check_against_cpu({random_tensor({4, 4}, gen, dtype), random_tensor({4, 4}, gen, dtype)},
                      [](const auto& t) { return mse_loss(t[0], t[1]) * 50.0; }, tol, tol);
  }
}

TEST_CASE("the second stage's regressor on the GPU matches the PyTorch fixture through two SGD steps", "[cuda][stage2]") {
  StrictFp32 strict;
  std::map<std::string, Tensor> fixture;
  safetensors::Metadata metadata;
  for (auto& [name, t] : safetensors::load(std::string(C2AM_TEST_DATA_DIR) + "/parity_stage2_tiny.safetensors", &metadata))
    fixture[name] = t;
  nn::ResNetConfig backbone = nn::torchvision_resnet(18);
  backbone.base_width = std::stoi(metadata.at("base_width"));
  nn::BoxRegressor model(backbone);
  LoadOptions options;
  options.strip_prefix = "reg.param.";
  load_state(model, safetensors::NamedTensors(fixture.begin(), fixture.end()), options);
  model.to(Device::cuda());
  model.train();
  Sgd sgd(wsol::stage2_groups(model, 2.0, 1e-4), {0.9, false});
  const auto rel = c2am::testing::scale_relative_error;
  for (int step = 0; step < 2; ++step) {
    INFO("step " << step);
    const std::string at = "reg.step" + std::to_string(step) + ".";
    sgd.zero_grad();
    const Tensor out = model.forward(fixture.at("reg.input").to(Device::cuda()));
    const Tensor loss = wsol::regression_loss(out, fixture.at("reg.target").to(Device::cuda()));
    CHECK(rel(out, fixture.at(at + "out")) <= 1e-4);
    CHECK(rel(loss, fixture.at(at + "loss")) <= 1e-4);
    loss.backward();
    sgd.step(scheduled_lr(Schedule::Cosine, std::stod(metadata.at("lr")), static_cast<std::size_t>(step),
                          std::stoul(metadata.at("t_max"))));
    for (const auto& [name, t] : model.state()) {
      INFO(name);
      CHECK(rel(t, fixture.at(at + "after." + name)) <= 1e-4);
    }
  }
}

TEST_CASE("the cue-refinement network on the GPU matches the PyTorch fixture (float64)", "[cuda][refine]") {
  safetensors::Metadata metadata;
  const auto all = safetensors::load(std::string(C2AM_TEST_DATA_DIR) + "/parity_poolnet_tiny.safetensors", &metadata);
  const std::map<std::string, Tensor> fixture(all.begin(), all.end());
  wsss::SaliencyNetConfig config = wsss::SaliencyNetConfig{}.scaled_down(std::stoi(metadata.at("divisor")));
  config.dtype = DType::Float64;
  wsss::SaliencyNet net(config);
  LoadOptions options;
  options.strip_prefix = "param.";
  load_state(net, all, options);
  net.to(Device::cuda());
  net.eval();
  Adam adam({{"trained", net.trainable_parameters(), 1.0, std::stod(metadata.at("weight_decay"))}});
  const Tensor logits = net.forward(fixture.at("input").to(Device::cuda()));
  const Tensor loss = bce_with_logits_sum(logits, fixture.at("label").to(Device::cuda()), 0.1);
  const auto rel = c2am::testing::scale_relative_error;
  CHECK(rel(logits, fixture.at("logits")) <= 1e-9);
  CHECK(rel(loss, fixture.at("loss")) <= 1e-9);
  loss.backward();
  for (const auto& [name, p] : net.trainable_parameters()) {
    INFO(name);
    CHECK(rel(p.grad(), fixture.at("grad." + name)) <= 1e-9);
  }
  adam.step(std::stod(metadata.at("lr")));
  for (const auto& [name, p] : net.trainable_parameters()) {
    INFO(name);
    CHECK(rel(p, fixture.at("after." + name)) <= 1e-9);
  }
}

TEST_CASE("the whole model on the GPU matches the PyTorch parity fixture", "[cuda][parity]") {
  StrictFp32 strict;
  std::map<std::string, Tensor> fixture;
  safetensors::Metadata metadata;
  for (auto& [name, t] : safetensors::load(std::string(C2AM_TEST_DATA_DIR) + "/parity_resnet18_tiny.safetensors", &metadata))
    fixture[name] = t;
  ModelConfig config;
  config.backbone.depth = std::stoi(metadata.at("depth"));
  config.backbone.base_width = std::stoi(metadata.at("base_width"));
  Model model(config);
  LoadOptions options;
  options.strip_prefix = "param.";
  load_state(model, safetensors::NamedTensors(fixture.begin(), fixture.end()), options);
  model.to(Device::cuda());
  model.train();
  const ModelOutput out = model.forward(fixture.at("input").to(Device::cuda()));
  const ContrastiveLossTerms loss = contrastive_loss(out.fg, out.bg, std::stod(metadata.at("alpha")));
  loss.total.backward();
  const auto rel = c2am::testing::scale_relative_error;
  CHECK(rel(out.map, fixture.at("out.map")) <= 1e-4);
  CHECK(rel(out.fg, fixture.at("out.fg")) <= 1e-4);
  CHECK(rel(loss.total, fixture.at("loss.total")) <= 1e-4);
  for (const auto& [name, param] : model.named_parameters()) {
    INFO(name);
    REQUIRE(param.grad().defined());
    CHECK(rel(param.grad(), fixture.at("grad." + name)) <= 1e-4);
  }
}

TEST_CASE("training on the GPU follows the CPU run step by step", "[cuda][train]") {
  StrictFp32 strict;
  const auto run = [](Device device, const std::string& out) {
    TrainConfig c;
    c.dataset = "synthetic:32";
    c.model.backbone.depth = 18;
    c.model.backbone.base_width = 4;
    c.model.device = device;
    c.loader.batch_size = 8;
    c.loader.transform = {72, 64, true, Interpolation::Bilinear};
    c.epochs = 1;
    c.lr = 0.05;
    c.momentum = 0.9;
    c.output_dir = out;
    c.progress = false;
    Trainer trainer(c);
    std::vector<double> losses;
    trainer.on_step = [&](std::size_t, const ContrastiveLossTerms& t) { losses.push_back(t.total.item()); };
    trainer.run();
    return losses;
  };
  const std::string base = "c2am-cuda-train-" + std::to_string(reinterpret_cast<std::uintptr_t>(&run));
  const auto cpu = run(Device::cpu(), "/tmp/" + base + "-cpu"), gpu = run(Device::cuda(), "/tmp/" + base + "-gpu");
  REQUIRE(cpu.size() == 4);
  REQUIRE(gpu.size() == 4);
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    INFO("step " << i);
    CHECK(gpu[i] == Approx(cpu[i]).epsilon(1e-3));
  }
}

TEST_CASE("the fused SGD update on the GPU matches the CPU optimizer", "[cuda][sgd]") {
  Generator gen(9);
  for (bool nesterov : {false, true}) {
    INFO("nesterov " << nesterov);
    Tensor cpu_param = random_tensor({1000, 3}, gen, DType::Float32).set_requires_grad();
    Tensor gpu_param = cpu_param.detach().to(Device::cuda()).set_requires_grad();
    Sgd cpu_sgd({{"p", {{"p", cpu_param}}, 2.0, 1e-2}}, {0.9, nesterov});
    Sgd gpu_sgd({{"p", {{"p", gpu_param}}, 2.0, 1e-2}}, {0.9, nesterov});
    for (int step = 0; step < 3; ++step) {
      const Tensor w = random_tensor({1000, 3}, gen, DType::Float32);
      cpu_sgd.zero_grad(), gpu_sgd.zero_grad();
      sum(cpu_param * cpu_param * w).backward();
      sum(gpu_param * gpu_param * w.to(Device::cuda())).backward();
      cpu_sgd.step(0.05), gpu_sgd.step(0.05);
      C2AM_REQUIRE_OK(compare(gpu_param.detach().to(Device::cpu()), cpu_param.detach(), 1e-5, 1e-6));
    }
  }
}
