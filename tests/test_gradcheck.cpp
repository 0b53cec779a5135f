// Every differentiable op's backward pass against central finite
// differences in float64, on awkward sizes and non-contiguous inputs.

#include <catch2/catch.hpp>

#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::gradcheck;
using c2am::testing::non_contiguous;
using c2am::testing::random_tensor;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

Tensor input(const Shape& shape, Generator& gen, double low = -1.0, double high = 1.0) {
  return random_tensor(shape, gen, DType::Float64, low, high).set_requires_grad();
}

// A leaf whose memory layout is permuted, so backward sees strided inputs.
Tensor strided_input(const Shape& shape, Generator& gen, double low = -1.0, double high = 1.0) {
  return non_contiguous(random_tensor(shape, gen, DType::Float64, low, high)).set_requires_grad();
}

}  // namespace

TEST_CASE("gradcheck: unary elementwise ops", "[gradcheck]") {
  Generator gen(21);
  const Tensor x = strided_input({3, 4}, gen, -2.0, 2.0);
  const Tensor positive = input({2, 5}, gen, 0.3, 2.0);
  const std::vector<std::pair<const char*, Fn>> unary = {
      {"neg", [](const auto& t) { return neg(t[0]); }},
      {"exp", [](const auto& t) { return exp(t[0]); }},
      {"sigmoid", [](const auto& t) { return sigmoid(t[0]); }},
      {"relu", [](const auto& t) { return relu(t[0]); }},
      {"affine", [](const auto& t) { return affine(t[0], -0.7, 3.0); }},
      {"clamp", [](const auto& t) { return clamp(t[0], -1.0, 0.8); }},
  };
  for (const auto& [name, fn] : unary) {
    INFO(name);
    C2AM_REQUIRE_OK(gradcheck(fn, {x}));
  }
  const std::vector<std::pair<const char*, Fn>> positive_only = {
      {"log", [](const auto& t) { return log(t[0]); }},
      {"sqrt", [](const auto& t) { return sqrt(t[0]); }},
      {"pow", [](const auto& t) { return pow(t[0], -1.5); }},
      {"scalar / tensor", [](const auto& t) { return 3.0 / t[0]; }},
  };
  for (const auto& [name, fn] : positive_only) {
    INFO(name);
    C2AM_REQUIRE_OK(gradcheck(fn, {positive}));
  }
}

TEST_CASE("clamp passes the gradient at its bounds and blocks it outside", "[gradcheck]") {
  Tensor x = from_vector<double>({-2.0, -1.0, 0.0, 1.0, 2.0}, {5}, DType::Float64).set_requires_grad();
  sum(clamp(x, -1.0, 1.0)).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{0.0, 1.0, 1.0, 1.0, 0.0});
}

TEST_CASE("gradcheck: broadcasting binary ops", "[gradcheck]") {
  Generator gen(22);
  const std::vector<std::pair<Shape, Shape>> shape_pairs = {{{3, 1, 4}, {2, 1}}, {{2, 3}, {3}}, {{}, {2, 2}}};
  for (const auto& [shape_a, shape_b] : shape_pairs) {
    INFO(shape_str(shape_a) << " with " << shape_str(shape_b));
    const Tensor a = input(shape_a, gen);
    const Tensor b = input(shape_b, gen, 0.5, 1.5);
    C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return t[0] + t[1]; }, {a, b}));
    C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return t[0] - t[1]; }, {a, b}));
    C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return t[0] * t[1]; }, {a, b}));
    C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return t[0] / t[1]; }, {a, b}));
  }
}

TEST_CASE("gradcheck: reductions", "[gradcheck]") {
  Generator gen(23);
  const Tensor x = strided_input({3, 4, 5}, gen);
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return sum(t[0]); }, {x}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return mean(t[0]); }, {x}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return max(t[0]); }, {x}));
  for (const std::vector<std::int64_t>& dims : {std::vector<std::int64_t>{0}, {-1}, {0, 2}}) {
    for (bool keepdim : {false, true}) {
      INFO("first dim " << dims[0] << ", " << dims.size() << " dims, keepdim " << keepdim);
      C2AM_REQUIRE_OK(gradcheck([&](const auto& t) { return sum(t[0], dims, keepdim); }, {x}));
      C2AM_REQUIRE_OK(gradcheck([&](const auto& t) { return mean(t[0], dims, keepdim); }, {x}));
      C2AM_REQUIRE_OK(gradcheck([&](const auto& t) { return max(t[0], dims, keepdim); }, {x}));
    }
  }
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return sum_to_shape(t[0], {4, 1}); }, {x}));
}

TEST_CASE("max sends the gradient to the first maximal element", "[gradcheck]") {
  Tensor x = from_vector<double>({1.0, 3.0, 3.0, 2.0}, {2, 2}, DType::Float64).set_requires_grad();
  sum(max(x, {1})).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{0.0, 1.0, 1.0, 0.0});
  x.zero_grad();
  max(x).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{0.0, 1.0, 0.0, 0.0});
}

TEST_CASE("gradcheck: matmul and batched matmul", "[gradcheck]") {
  Generator gen(24);
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return matmul(t[0], t[1]); },
                            {strided_input({5, 3}, gen), input({3, 4}, gen)}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return matmul(t[0], t[1].transpose(0, 1)); },
                            {input({2, 3}, gen), input({4, 3}, gen)}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return matmul(t[0], t[1]); },
                            {input({2, 3, 4}, gen), strided_input({2, 4, 2}, gen)}));
}

TEST_CASE("gradcheck: conv2d with stride, padding, dilation and bias", "[gradcheck][conv]") {
  Generator gen(25);
  struct Case {
    Shape x, weight;
    Conv2dParams params;
    bool bias;
  };
  const std::vector<Case> cases = {
      {{2, 2, 5, 6}, {3, 2, 3, 3}, Conv2dParams::square(1, 1), true},
      {{1, 3, 7, 5}, {2, 3, 3, 3}, Conv2dParams::square(2, 1), false},
      {{2, 2, 4, 5}, {3, 2, 1, 1}, Conv2dParams::square(1, 0), true},
      {{1, 2, 6, 6}, {2, 2, 1, 1}, Conv2dParams::square(2, 0), false},
      {{1, 1, 7, 7}, {2, 1, 3, 3}, Conv2dParams::square(1, 2, 2), true},
      {{1, 2, 4, 7}, {1, 2, 2, 3}, Conv2dParams{2, 1, 1, 0, 1, 2}, false},
      // Large enough for one image per thread (with several threads).
      {{2, 1, 23, 24}, {2, 1, 3, 3}, Conv2dParams::square(1, 1), true},
      {{3, 2, 24, 22}, {2, 2, 1, 1}, Conv2dParams::square(1, 0), false},
  };
  for (const auto& c : cases) {
    INFO("x " << shape_str(c.x) << ", weight " << shape_str(c.weight) << ", stride " << c.params.stride_h);
    const Tensor x = strided_input(c.x, gen);
    const Tensor weight = input(c.weight, gen);
    const Tensor bias = c.bias ? input({c.weight[0]}, gen) : Tensor();
    std::vector<Tensor> inputs{x, weight};
    if (c.bias) inputs.push_back(bias);
    const auto params = c.params;
    C2AM_REQUIRE_OK(gradcheck(
        [params](const auto& t) { return conv2d(t[0], t[1], t.size() > 2 ? t[2] : Tensor(), params); }, inputs));
  }
}

TEST_CASE("gradcheck: pooling", "[gradcheck][pool]") {
  Generator gen(26);
  const Tensor x = strided_input({2, 2, 7, 6}, gen);
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return max_pool2d(t[0], Pool2dParams::square(3, 2, 1)); }, {x}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return max_pool2d(t[0], Pool2dParams::square(2, 2)); }, {x}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return avg_pool2d(t[0], Pool2dParams::square(3, 2, 1)); }, {x}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return adaptive_avg_pool2d(t[0], 1, 1); }, {x}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return adaptive_avg_pool2d(t[0], 3, 4); }, {x}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return adaptive_avg_pool2d(t[0], 9, 8); }, {x}));
}

TEST_CASE("gradcheck: batch norm in both modes and normalize", "[gradcheck][norm]") {
  Generator gen(27);
  const Tensor x = strided_input({3, 2, 3, 2}, gen, -2.0, 2.0);
  const Tensor weight = input({2}, gen, 0.5, 1.5);
  const Tensor bias = input({2}, gen);
  const Tensor running_mean = random_tensor({2}, gen, DType::Float64);
  const Tensor running_var = random_tensor({2}, gen, DType::Float64, 0.5, 1.5);
  BatchNormParams training;
  // Running statistics are left out of the training check: gradcheck calls
  // the function many times and each call would update them.
  C2AM_REQUIRE_OK(gradcheck(
      [&](const auto& t) { return batch_norm2d(t[0], t[1], t[2], Tensor(), Tensor(), training); },
      {x, weight, bias}));
  C2AM_REQUIRE_OK(gradcheck(
      [&](const auto& t) { return batch_norm2d(t[0], Tensor(), Tensor(), Tensor(), Tensor(), training); }, {x}));
  BatchNormParams evaluation;
  evaluation.training = false;
  C2AM_REQUIRE_OK(gradcheck(
      [&](const auto& t) { return batch_norm2d(t[0], t[1], t[2], running_mean, running_var, evaluation); },
      {x, weight, bias}));

  const Tensor v = strided_input({4, 5}, gen);
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return normalize(t[0], 1); }, {v}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return normalize(t[0], 0); }, {v}));
}

TEST_CASE("gradcheck: cat, flip, resize and views", "[gradcheck][shape]") {
  Generator gen(28);
  const Tensor a = strided_input({2, 3, 2}, gen);
  const Tensor b = input({2, 1, 2}, gen);
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return cat({t[0], t[1], t[0]}, 1); }, {a, b}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return flip(t[0], {0, 2}); }, {a}));
  const Tensor image = strided_input({1, 2, 4, 5}, gen);
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return resize_bilinear(t[0], 7, 9); }, {image}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return resize_bilinear(t[0], 3, 2); }, {image}));
  C2AM_REQUIRE_OK(gradcheck(
      [](const auto& t) { return t[0].permute({2, 0, 1}).reshape({4, 3}).narrow(0, 1, 2).unsqueeze(1); }, {a}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return t[0].narrow(1, 0, 1).expand({2, 4, 2}) * 2.0; }, {a}));
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return t[0].squeeze(1).transpose(0, 1); }, {b}));
}
