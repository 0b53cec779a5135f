// The fused contrastive loss kernels on the GPU against the composed loss
// on the CPU in float64 (same float32 inputs), for many (N, C) pairs, inputs
// built to tie and to clamp, run-to-run determinism and the TF32 path.
// Device memory starts as NaN (test_cuda_main.cpp), so an entry a kernel
// forgets to write fails the comparison.

#include <catch2/catch.hpp>

#include <cmath>

#include "c2am/cuda/runtime.hpp"
#include "c2am/loss/contrastive.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::compare;
using c2am::testing::compare_to_reference;
using c2am::testing::random_tensor;

namespace {

using Fp32Mode = c2am::testing::ScopedTf32;

struct LossRun {
  Tensor terms;  // [3] on the CPU
  Tensor grad_fg, grad_bg;
};

// Terms and the gradients of 0.7·t0 + 1.3·t1 + 0.4·t2 (each term's
// gradient scaled differently, so a mixed-up term shows).
LossRun run_loss(const Tensor& fg_in, const Tensor& bg_in, double alpha, LossPath path, Device device, DType dtype) {
  const Tensor fg = fg_in.to(dtype).to(device).set_requires_grad(), bg = bg_in.to(dtype).to(device).set_requires_grad();
  const auto terms = contrastive_loss(fg, bg, alpha, path);
  (terms.bg_bg * 0.7 + terms.bg_fg * 1.3 + terms.fg_fg * 0.4).backward();
  LossRun run;
  run.terms = cat({terms.bg_bg.reshape({1}), terms.bg_fg.reshape({1}), terms.fg_fg.reshape({1})}, 0)
                  .to(Device::cpu())
                  .to(DType::Float64);
  run.grad_fg = fg.grad().to(Device::cpu()).to(DType::Float64);
  run.grad_bg = bg.grad().to(Device::cpu()).to(DType::Float64);
  return run;
}

// The GPU result must be as close to the float64 CPU result as the CPU's
// own float32 composed result is (up to a factor; see compare_to_reference):
// float32 gradients are ill-conditioned where directions nearly coincide.
void check_against_cpu(const LossRun& gpu, const Tensor& fg, const Tensor& bg, double alpha) {
  const LossRun reference = run_loss(fg, bg, alpha, LossPath::composed, Device::cpu(), DType::Float64);
  const LossRun peer = run_loss(fg, bg, alpha, LossPath::composed, Device::cpu(), DType::Float32);
  C2AM_REQUIRE_OK(compare_to_reference(gpu.terms, reference.terms, peer.terms));
  C2AM_REQUIRE_OK(compare_to_reference(gpu.grad_fg, reference.grad_fg, peer.grad_fg));
  C2AM_REQUIRE_OK(compare_to_reference(gpu.grad_bg, reference.grad_bg, peer.grad_bg));
}

void check_against_cpu(const Tensor& fg, const Tensor& bg, double alpha) {
  check_against_cpu(run_loss(fg, bg, alpha, LossPath::fused, Device::cuda(), DType::Float32), fg, bg, alpha);
}

}  // namespace

TEST_CASE("GPU fused loss matches the CPU loss for many sizes (strict FP32)", "[cuda][loss]") {
  Fp32Mode strict(false);
  Generator gen(71);
  for (std::int64_t n : {1, 2, 3, 31, 32, 33, 128, 257, 1000}) {
    for (std::int64_t c : {1, 7, 768, 3073}) {
      if (n * c > 1000 * 768) continue;  // keeps the float64 CPU reference quick
      for (double alpha : {0.05, 0.25}) {
        INFO("N " << n << ", C " << c << ", alpha " << alpha);
        // Non-negative features as after ReLU, and signed ones that clamp at the floor.
        check_against_cpu(random_tensor({n, c}, gen, DType::Float32, 0.0, 1.0),
                          random_tensor({n, c}, gen, DType::Float32, 0.0, 1.0), alpha);
        check_against_cpu(random_tensor({n, c}, gen, DType::Float32), random_tensor({n, c}, gen, DType::Float32),
                          alpha);
      }
    }
  }
}

TEST_CASE("GPU fused loss: sorts longer than 48 KiB of shared memory", "[cuda][loss]") {
  Fp32Mode strict(false);
  Generator gen(72);
  for (std::int64_t n : {4096, 4097}) {
    INFO("N " << n);
    check_against_cpu(random_tensor({n, 16}, gen, DType::Float32, 0.0, 1.0),
                      random_tensor({n, 16}, gen, DType::Float32, 0.0, 1.0), 0.25);
  }
}

TEST_CASE("GPU fused loss: ties, clamps at both bounds and zero rows", "[cuda][loss]") {
  Fp32Mode strict(false);
  Generator gen(73);
  const Tensor base = random_tensor({40, 24}, gen, DType::Float32, 0.0, 1.0);
  // Repeated and scaled rows tie at the ceiling, negated rows clamp at the
  // floor, zero rows sit on the norm floor.
  const Tensor fg = cat({base, base.narrow(0, 0, 10), base.narrow(0, 5, 10) * 3.0, base.narrow(0, 20, 5) * -1.0,
                         zeros({3, 24})},
                        0);
  const Tensor bg = cat({random_tensor({60, 24}, gen, DType::Float32), base.narrow(0, 0, 8)}, 0);
  check_against_cpu(fg, bg, 0.25);
  check_against_cpu(bg, fg, 0.05);
}

TEST_CASE("GPU fused loss is deterministic run to run", "[cuda][loss]") {
  Generator gen(74);
  const Tensor fg = random_tensor({1000, 768}, gen, DType::Float32, 0.0, 1.0);
  const Tensor bg = random_tensor({1000, 768}, gen, DType::Float32, 0.0, 1.0);
  for (bool tf32 : {false, true}) {
    Fp32Mode mode(tf32);
    INFO("TF32 " << tf32);
    const LossRun a = run_loss(fg, bg, 0.25, LossPath::fused, Device::cuda(), DType::Float32);
    const LossRun b = run_loss(fg, bg, 0.25, LossPath::fused, Device::cuda(), DType::Float32);
    C2AM_REQUIRE_OK(compare(a.terms, b.terms, 0.0, 0.0));
    C2AM_REQUIRE_OK(compare(a.grad_fg, b.grad_fg, 0.0, 0.0));
    C2AM_REQUIRE_OK(compare(a.grad_bg, b.grad_bg, 0.0, 0.0));
  }
}

TEST_CASE("GPU fused loss with TF32 stays within TF32 tolerances", "[cuda][loss]") {
  Fp32Mode tf32(true);
  Generator gen(75);
  const Tensor fg = random_tensor({128, 3072}, gen, DType::Float32, 0.0, 1.0);
  const Tensor bg = random_tensor({128, 3072}, gen, DType::Float32, 0.0, 1.0);
  const LossRun gpu = run_loss(fg, bg, 0.05, LossPath::fused, Device::cuda(), DType::Float32);
  const LossRun cpu = run_loss(fg, bg, 0.05, LossPath::composed, Device::cpu(), DType::Float64);
  C2AM_REQUIRE_OK(compare(gpu.terms, cpu.terms, 3e-3, 1e-6));
  // TF32 can reorder near-equal similarities, so gradients compare as a whole.
  for (const auto& [g, c] : {std::pair{gpu.grad_fg, cpu.grad_fg}, std::pair{gpu.grad_bg, cpu.grad_bg}}) {
    const double error = std::sqrt(sum((g - c) * (g - c)).item()), size = std::sqrt(sum(c * c).item());
    CHECK(error <= 3e-2 * size);
  }
}

TEST_CASE("GPU composed and fused paths both match the CPU", "[cuda][loss]") {
  Fp32Mode strict(false);
  Generator gen(76);
  const Tensor fg = random_tensor({64, 768}, gen, DType::Float32, 0.0, 1.0);
  const Tensor bg = random_tensor({64, 768}, gen, DType::Float32, 0.0, 1.0);
  check_against_cpu(run_loss(fg, bg, 0.25, LossPath::composed, Device::cuda(), DType::Float32), fg, bg, 0.25);
  check_against_cpu(run_loss(fg, bg, 0.25, LossPath::fused, Device::cuda(), DType::Float32), fg, bg, 0.25);
}

TEST_CASE("GPU fused loss refuses float64 and too many rows, naming them", "[cuda][loss][errors]") {
  using c2am::testing::error_message;
  const Tensor d = zeros({4, 3}, TensorOptions(DType::Float64, Device::cuda()));
  CHECK_THAT(error_message([&] { (void)fused_contrastive_terms(d, d, 0.1); }),
             Catch::Contains("float32") && Catch::Contains("float64[4, 3]"));
  const Tensor big = zeros({16385, 1}, TensorOptions(DType::Float32, Device::cuda()));
  CHECK_THAT(error_message([&] { (void)fused_contrastive_terms(big, big, 0.1); }),
             Catch::Contains("16384") && Catch::Contains("composed"));
}
