// What the WSSS cue refinement (PoolNet) needs beyond the C²AM model:
// ceil-mode max pooling, align-corners bilinear upsampling, adaptive bins,
// BCE with logits and Adam — against naive loops and torch's formulas in
// float64, and float64 finite differences.

#include <catch2/catch.hpp>

#include <cmath>

#include "c2am/loss/supervised.hpp"
#include "c2am/train/adam.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::error_message;
using c2am::testing::gradcheck;
using c2am::testing::random_tensor;

namespace {

std::vector<double> values(const Tensor& t) { return t.contiguous().to(DType::Float64).to_vector<double>(); }

// PyTorch's ceil-mode output size (pooling_output_shape).
std::int64_t ceil_out(std::int64_t size, std::int64_t k, std::int64_t s, std::int64_t p) {
  std::int64_t out = (size + 2 * p - k + s - 1) / s + 1;
  if ((out - 1) * s >= size + p) --out;
  return out;
}

}  // namespace

TEST_CASE("max_pool2d ceil_mode: PyTorch's sizes and windows, as a naive loop", "[refine]") {
  Generator gen(3);
  for (std::int64_t h : {5, 6, 7, 125, 250}) {
    INFO("size " << h);
    const std::int64_t w = h + 3;
    const Tensor x = random_tensor({1, 2, h, w}, gen, DType::Float64);
    Pool2dParams p = Pool2dParams::square(3, 2, 1);
    p.ceil_mode = true;
    const Tensor y = max_pool2d(x, p);
    const std::int64_t oh = ceil_out(h, 3, 2, 1), ow = ceil_out(w, 3, 2, 1);
    REQUIRE(y.shape() == Shape{1, 2, oh, ow});
    const auto xv = values(x), yv = values(y);
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          double best = -INFINITY;
          for (std::int64_t a = i * 2 - 1; a < i * 2 + 2; ++a)
            for (std::int64_t b = j * 2 - 1; b < j * 2 + 2; ++b)
              if (a >= 0 && a < h && b >= 0 && b < w) best = std::max(best, xv[(c * h + a) * w + b]);
          REQUIRE(yv[(c * oh + i) * ow + j] == best);
        }
  }
  // PoolNet's stem: 250 → 126 (floor mode gives 125).
  Pool2dParams p = Pool2dParams::square(3, 2, 1);
  p.ceil_mode = true;
  CHECK(max_pool2d(zeros({1, 1, 250, 188}), p).shape() == Shape{1, 1, 126, 95});
  C2AM_REQUIRE_OK(gradcheck([p](const auto& t) { return max_pool2d(t[0], p); },
                            {random_tensor({1, 2, 7, 6}, gen, DType::Float64).set_requires_grad()}));
  CHECK_THAT(error_message([&] { avg_pool2d(zeros({1, 1, 8, 8}), p); }), Catch::Contains("ceil_mode is supported for max"));
}

TEST_CASE("resize_bilinear align_corners: corners map onto corners, as the formula", "[refine]") {
  Generator gen(4);
  for (auto [h, w, oh, ow] : std::vector<std::array<std::int64_t, 4>>{{4, 5, 9, 7}, {7, 3, 2, 11}, {1, 4, 3, 1}, {16, 16, 32, 31}}) {
    INFO(h << "x" << w << " -> " << oh << "x" << ow);
    const Tensor x = random_tensor({2, 3, h, w}, gen, DType::Float64);
    const auto xv = values(x), yv = values(resize_bilinear(x, oh, ow, true));
    const auto source = [](std::int64_t d, std::int64_t in, std::int64_t out) {
      return out > 1 ? static_cast<double>(d) * static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0;
    };
    for (std::int64_t nc = 0; nc < 6; ++nc)
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          const double sy = source(i, h, oh), sx = source(j, w, ow);
          const auto y0 = static_cast<std::int64_t>(sy), x0 = static_cast<std::int64_t>(sx);
          const std::int64_t y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
          const double fy = sy - y0, fx = sx - x0;
          const auto at = [&](std::int64_t a, std::int64_t b) { return xv[(nc * h + a) * w + b]; };
          const double expected = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
          REQUIRE(yv[(nc * oh + i) * ow + j] == Approx(expected).epsilon(1e-12).margin(1e-14));
        }
  }
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return resize_bilinear(t[0], 7, 5, true); },
                            {random_tensor({1, 2, 4, 3}, gen, DType::Float64).set_requires_grad()}));
}

TEST_CASE("bce_with_logits_sum: torch's formula, stable at ±1000, gradient sigmoid − y even at 0", "[refine]") {
  const Tensor x = from_vector<double>({-1000, -3, -0.5, 0, 0, 0.25, 4, 1000}, {2, 4}, DType::Float64).set_requires_grad();
  const Tensor y = from_vector<double>({0, 1, 0.3, 0, 1, 1, 0, 1}, {2, 4}, DType::Float64);
  const Tensor loss = bce_with_logits_sum(x, y, 0.1);
  double expected = 0;
  const auto xv = values(x), yv = values(y);
  for (std::size_t i = 0; i < xv.size(); ++i) {
    // −[y log σ(x) + (1 − y) log(1 − σ(x))] with log σ(x) = −log1p(e^−x) written stably.
    const double log_sig = xv[i] >= 0 ? -std::log1p(std::exp(-xv[i])) : xv[i] - std::log1p(std::exp(xv[i]));
    const double log_one_minus = log_sig - xv[i];
    expected -= 0.1 * (yv[i] * log_sig + (1 - yv[i]) * log_one_minus);
  }
  CHECK(loss.item() == Approx(expected).epsilon(1e-12));
  loss.backward();
  const auto gv = values(x.grad());
  for (std::size_t i = 0; i < xv.size(); ++i)
    CHECK(gv[i] == Approx(0.1 * (1 / (1 + std::exp(-xv[i])) - yv[i])).margin(1e-15));
  Generator gen(5);
  C2AM_REQUIRE_OK(gradcheck([&](const auto& t) { return bce_with_logits_sum(t[0], y, 0.5); },
                            {random_tensor({2, 4}, gen, DType::Float64, -3, 3).set_requires_grad()}));
}

TEST_CASE("Adam follows torch's formulas step by step, with weight decay and per-group rates", "[refine]") {
  Generator gen(6);
  Tensor a = random_tensor({3, 2}, gen, DType::Float64).set_requires_grad();
  Tensor b = random_tensor({4}, gen, DType::Float64).set_requires_grad();
  Adam adam({{"a", {{"a", a}}, 1.0, 5e-4}, {"b", {{"b", b}}, 3.0, 0.0}});
  // The same updates in plain float64 loops.
  std::vector<double> pa = values(a), pb = values(b), ma(6, 0), va(6, 0), mb(4, 0), vb(4, 0);
  const double lr = 5e-5, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  for (int t = 1; t <= 3; ++t) {
    const Tensor ga = random_tensor({3, 2}, gen, DType::Float64), gb = random_tensor({4}, gen, DType::Float64);
    adam.zero_grad();
    (sum(a * ga) + sum(b * gb)).backward();
    adam.step(lr);
    const auto reference = [&](std::vector<double>& p, std::vector<double>& m, std::vector<double>& v,
                               const std::vector<double>& grad, double group_lr, double wd) {
      for (std::size_t i = 0; i < p.size(); ++i) {
        const double g = grad[i] + wd * p[i];
        m[i] = m[i] + (g - m[i]) * (1 - b1);
        v[i] = v[i] * b2 + g * g * (1 - b2);
        const double denom = std::sqrt(v[i]) / std::sqrt(1 - std::pow(b2, t)) + eps;
        p[i] -= group_lr / (1 - std::pow(b1, t)) * m[i] / denom;
      }
    };
    reference(pa, ma, va, values(ga), lr, 5e-4);
    reference(pb, mb, vb, values(gb), 3 * lr, 0.0);
    const auto na = values(a), nb = values(b);
    for (std::size_t i = 0; i < 6; ++i) REQUIRE(na[i] == Approx(pa[i]).epsilon(1e-13));
    for (std::size_t i = 0; i < 4; ++i) REQUIRE(nb[i] == Approx(pb[i]).epsilon(1e-13));
  }
  // The state round trip resumes exactly.
  Tensor c = a.detach().clone().set_requires_grad();
  Adam resumed({{"a", {{"a", c}}, 1.0, 5e-4}});
  nn::NamedTensors only_a;
  for (const auto& [name, t] : adam.state())
    if (name.rfind("a.", 0) == 0) only_a.emplace_back(name, t);
  resumed.load_state(only_a);
  const Tensor g = random_tensor({3, 2}, gen, DType::Float64);
  adam.zero_grad();
  sum(a * g).backward();
  adam.step(lr);
  sum(c * g).backward();
  resumed.step(lr);
  CHECK(values(a) == values(c));
  CHECK_THAT(error_message([&] { resumed.load_state({{"a.exp_avg", zeros({2, 3}, DType::Float64)}}); }),
             Catch::Contains("incomplete"));
}
