// The second stage's layers and losses (Linear, log-softmax, cross-entropy,
// MSE) against naive float64 loops and central finite differences.

#include <catch2/catch.hpp>

#include <cmath>

#include "c2am/loss/supervised.hpp"
#include "c2am/nn/layers.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::error_message;
using c2am::testing::gradcheck;
using c2am::testing::non_contiguous;
using c2am::testing::random_tensor;

namespace {

std::vector<double> values(const Tensor& t) { return t.contiguous().to(DType::Float64).to_vector<double>(); }

}  // namespace

TEST_CASE("linear: x·Wᵀ + b as a naive loop, and its gradients", "[stage2]") {
  Generator gen(4);
  const Tensor x = random_tensor({5, 7}, gen, DType::Float64);
  const Tensor w = non_contiguous(random_tensor({3, 7}, gen, DType::Float64));
  const Tensor b = random_tensor({3}, gen, DType::Float64);
  const auto xv = values(x), wv = values(w), bv = values(b), yv = values(linear(x, w, b));
  for (int i = 0; i < 5; ++i)
    for (int o = 0; o < 3; ++o) {
      double expected = bv[o];
      for (int k = 0; k < 7; ++k) expected += xv[i * 7 + k] * wv[o * 7 + k];
      CHECK(yv[i * 3 + o] == Approx(expected).epsilon(1e-13));
    }
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return linear(t[0], t[1], t[2]); },
                            {x.clone().set_requires_grad(), w.clone().set_requires_grad(),
                             b.clone().set_requires_grad()}));
  CHECK_THAT(error_message([&] { linear(x, random_tensor({3, 6}, gen, DType::Float64)); }),
             Catch::Contains("expects x [N, in] and weight [out, in]"));
}

TEST_CASE("nn::Linear: torch's names and initialization bounds", "[stage2]") {
  Generator gen(1);
  nn::Linear layer({2048, 512, true, DType::Float32}, gen);
  const auto state = layer.named_parameters();
  REQUIRE(state.size() == 2);
  CHECK(state[0].first == "weight");
  CHECK(state[0].second.shape() == Shape{512, 2048});
  CHECK(state[1].first == "bias");
  const double bound = 1.0 / std::sqrt(2048.0);
  for (const auto& [name, t] : state) {
    const auto v = values(t);
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    CHECK(*lo >= -bound);
    CHECK(*hi <= bound);
    CHECK(*hi - *lo > 1.9 * bound * (name == "weight" ? 0.999 : 0.9));  // spans the range, not a constant
  }
}

TEST_CASE("log_softmax and cross_entropy equal the naive formulas, even at logits of 1000", "[stage2]") {
  Generator gen(2);
  const std::vector<std::int64_t> labels{2, 0, 3, 3};
  for (double scale : {1.0, 1000.0}) {
    const Tensor logits = random_tensor({4, 5}, gen, DType::Float64, -scale, scale);
    const auto lv = values(logits), pv = values(log_softmax(logits));
    double expected_loss = 0;
    for (int i = 0; i < 4; ++i) {
      // log Σ exp in long double after subtracting the row's first entry.
      long double total = 0;
      for (int k = 0; k < 5; ++k) total += std::exp(static_cast<long double>(lv[i * 5 + k] - lv[i * 5]));
      const long double lse = lv[i * 5] + std::log(total);
      for (int k = 0; k < 5; ++k) CHECK(pv[i * 5 + k] == Approx(static_cast<double>(lv[i * 5 + k] - lse)).epsilon(1e-12).margin(1e-12));
      expected_loss -= static_cast<double>(lv[i * 5 + labels[i]] - lse) / 4;
    }
    CHECK(cross_entropy(logits, labels).item() == Approx(expected_loss).epsilon(1e-12));
    // float32 at logits of ±1000 stays finite.
    CHECK(std::isfinite(cross_entropy(logits.to(DType::Float32), labels).item()));
  }
  C2AM_REQUIRE_OK(gradcheck([&](const auto& t) { return cross_entropy(t[0], labels); },
                            {non_contiguous(random_tensor({4, 5}, gen, DType::Float64, -3, 3)).set_requires_grad()}));
}

TEST_CASE("cross_entropy's gradient is (softmax − one-hot) / N", "[stage2]") {
  Generator gen(3);
  const Tensor logits = random_tensor({3, 4}, gen, DType::Float64, -2, 2).set_requires_grad();
  const std::vector<std::int64_t> labels{1, 3, 0};
  cross_entropy(logits, labels).backward();
  const auto lv = values(logits), gv = values(logits.grad());
  for (int i = 0; i < 3; ++i) {
    double total = 0;
    for (int k = 0; k < 4; ++k) total += std::exp(lv[i * 4 + k]);
    for (int k = 0; k < 4; ++k)
      CHECK(gv[i * 4 + k] == Approx((std::exp(lv[i * 4 + k]) / total - (k == labels[i])) / 3).epsilon(1e-12));
  }
}

TEST_CASE("cross_entropy refuses labels that do not fit", "[stage2]") {
  Generator gen(5);
  const Tensor logits = random_tensor({2, 3}, gen, DType::Float32);
  CHECK_THAT(error_message([&] { cross_entropy(logits, {0}); }), Catch::Contains("got 1 labels for 2 rows"));
  CHECK_THAT(error_message([&] { cross_entropy(logits, {0, 3}); }),
             Catch::Contains("label 3 of row 1 is outside [0, 3)"));
  CHECK_THAT(error_message([&] { cross_entropy(logits, {-1, 0}); }), Catch::Contains("label -1 of row 0"));
}

TEST_CASE("mse_loss is the mean squared difference, with its gradient", "[stage2]") {
  Generator gen(6);
  const Tensor a = random_tensor({3, 4}, gen, DType::Float64), b = random_tensor({3, 4}, gen, DType::Float64);
  const auto av = values(a), bv = values(b);
  double expected = 0;
  for (std::size_t i = 0; i < av.size(); ++i) expected += (av[i] - bv[i]) * (av[i] - bv[i]) / 12;
  CHECK(mse_loss(a, b).item() == Approx(expected).epsilon(1e-14));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return mse_loss(t[0], t[1]) * 50.0; },
                            {non_contiguous(a).set_requires_grad(), b.clone().set_requires_grad()}));
  CHECK_THAT(error_message([&] { mse_loss(a, random_tensor({4, 3}, gen, DType::Float64)); }),
             Catch::Contains("differ in shape"));
}
