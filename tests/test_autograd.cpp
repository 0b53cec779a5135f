// Autograd graph behaviour: accumulation, shared subexpressions, no-grad,
// detach, release after backward, in-place protection.

#include <catch2/catch.hpp>

#include "c2am/autograd/node.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::compare;

namespace {
Tensor vec(std::vector<double> v) {
  const auto n = static_cast<std::int64_t>(v.size());
  return from_vector(v, {n}, DType::Float64);
}
}  // namespace

TEST_CASE("backward of a scalar fills leaf gradients", "[autograd]") {
  Tensor x = vec({1.0, -2.0, 3.0}).set_requires_grad();
  Tensor y = sum(x * x * 3.0);  // dy/dx = 6x
  y.backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{6.0, -12.0, 18.0});
  CHECK(x.grad_fn() == nullptr);
  REQUIRE(y.grad_fn() != nullptr);
}

TEST_CASE("gradients accumulate across backward calls until zero_grad", "[autograd]") {
  Tensor x = vec({1.0, 2.0}).set_requires_grad();
  sum(x * 2.0).backward();
  sum(x * 3.0).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{5.0, 5.0});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  sum(x).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{1.0, 1.0});
}

TEST_CASE("a tensor used several times receives the sum of its gradients", "[autograd]") {
  Tensor x = vec({0.5, -1.5}).set_requires_grad();
  Tensor a = x * x;          // shared subexpression
  Tensor y = sum(a + a * x + x);  // d/dx = 2x + 3x^2 + 1
  y.backward();
  const auto g = x.grad().to_vector<double>();
  CHECK(g[0] == Approx(2 * 0.5 + 3 * 0.25 + 1));
  CHECK(g[1] == Approx(2 * -1.5 + 3 * 2.25 + 1));
}

TEST_CASE("an explicit upstream gradient is used", "[autograd]") {
  Tensor x = vec({1.0, 2.0, 3.0}).set_requires_grad();
  Tensor y = x * 4.0;
  y.backward(vec({1.0, 0.5, -1.0}));
  CHECK(x.grad().to_vector<double>() == std::vector<double>{4.0, 2.0, -4.0});
  Tensor z = x * 2.0;
  CHECK_THROWS_WITH(z.backward(), Catch::Contains("single-element"));
  CHECK_THROWS_WITH(z.backward(vec({1.0})), Catch::Contains("does not match"));
}

TEST_CASE("no-grad scope records nothing and restores the mode", "[autograd]") {
  Tensor x = vec({1.0, 2.0}).set_requires_grad();
  {
    NoGradGuard guard;
    Tensor y = x * 2.0;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
    CHECK_FALSE(is_grad_enabled());
  }
  CHECK(is_grad_enabled());
  CHECK((x * 2.0).requires_grad());
}

TEST_CASE("detach cuts the graph but shares data", "[autograd]") {
  Tensor x = vec({1.0, 2.0}).set_requires_grad();
  Tensor d = (x * 2.0).detach();
  CHECK_FALSE(d.requires_grad());
  Tensor y = sum(x * d);  // d is a constant here
  y.backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2.0, 4.0});
}

TEST_CASE("the graph is released after backward", "[autograd]") {
  Tensor x = vec({1.0, 2.0}).set_requires_grad();
  Tensor w = vec({3.0, 4.0});
  Tensor prod = x * w;  // saves x and w
  const long before = w.storage().use_count();
  Tensor y = sum(prod);
  y.backward();
  CHECK(w.storage().use_count() < before);  // the saved copy of w was dropped
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("second time"));
}

TEST_CASE("modifying a saved tensor in place is reported at backward", "[autograd][errors]") {
  Tensor x = vec({1.0, 2.0}).set_requires_grad();
  Tensor w = vec({3.0, 4.0});
  Tensor y = sum(x * w);
  w.fill_(0.0);
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("modified in place"));
}

TEST_CASE("in-place writes to tensors needing grad are refused outside no-grad", "[autograd][errors]") {
  Tensor x = vec({1.0, 2.0}).set_requires_grad();
  CHECK_THROWS_WITH(x.fill_(0.0), Catch::Contains("requires grad"));
  {
    NoGradGuard guard;
    x.fill_(0.0);  // how optimizers update parameters
  }
  CHECK(x.to_vector<double>() == std::vector<double>{0.0, 0.0});
}

TEST_CASE("only floating leaf tensors can require grad", "[autograd][errors]") {
  Tensor i = arange(0, 3, 1, DType::Int64);
  CHECK_THROWS_WITH(i.set_requires_grad(), Catch::Contains("floating"));
  Tensor x = vec({1.0}).set_requires_grad();
  Tensor y = x * 2.0;
  CHECK_THROWS_WITH(y.set_requires_grad(), Catch::Contains("leaf"));
  Tensor c = vec({1.0});
  CHECK_THROWS_WITH(sum(c).backward(), Catch::Contains("does not require grad"));
}

TEST_CASE("gradients flow through views and dtype conversion", "[autograd]") {
  Tensor x = arange(0, 6, 1, DType::Float64).reshape({2, 3}).detach().set_requires_grad();
  Tensor y = sum(x.transpose(0, 1).narrow(0, 1, 2).reshape({-1}) * 2.0) + sum(x.to(DType::Float32)).to(DType::Float64);
  y.backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{1, 3, 3, 1, 3, 3});
}

TEST_CASE("a leaf's gradient never aliases the caller's upstream gradient", "[autograd]") {
  Tensor x = vec({1.0, 2.0, 3.0}).set_requires_grad();
  Tensor upstream = vec({0.5, 0.25, 2.0});
  Tensor y = x.reshape({3});  // a view: the upstream gradient reaches x unchanged
  y.backward(upstream);
  upstream.fill_(9.0);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{0.5, 0.25, 2.0});
}
