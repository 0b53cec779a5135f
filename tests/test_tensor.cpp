// Tensor core: metadata, factories, views, copies, element access, printing.

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::compare;

TEST_CASE("shapes, strides and element sizes", "[tensor]") {
  Tensor t = zeros({2, 3, 4});
  CHECK(t.shape() == Shape{2, 3, 4});
  CHECK(t.strides() == Strides{12, 4, 1});
  CHECK(t.numel() == 24);
  CHECK(t.dim() == 3);
  CHECK(t.size(-1) == 4);
  CHECK(t.is_contiguous());
  CHECK(t.dtype() == DType::Float32);
  CHECK(t.device() == Device::cpu());
  CHECK(element_size(DType::Float64) == 8);
  CHECK(element_size(DType::BFloat16) == 2);
  CHECK(std::string(dtype_name(DType::UInt8)) == "uint8");
  CHECK(zeros({}).numel() == 1);
  CHECK(zeros({3, 0}).numel() == 0);
}

TEST_CASE("factories fill the values they promise", "[tensor]") {
  CHECK(full({2, 2}, 3.5, DType::Float64).to_vector<double>() == std::vector<double>(4, 3.5));
  CHECK(ones({3}).to_vector<float>() == std::vector<float>(3, 1.0f));
  CHECK(arange(0, 5).to_vector<float>() == std::vector<float>{0, 1, 2, 3, 4});
  CHECK(arange(1, 2, 0.25, DType::Float64).to_vector<double>() == std::vector<double>{1, 1.25, 1.5, 1.75});
  CHECK(arange(3, 0, -1, DType::Int64).to_vector<std::int64_t>() == std::vector<std::int64_t>{3, 2, 1});

  Generator a(7), b(7), c(8);
  const auto ua = uniform({1000}, -2.0, 3.0, a).to_vector<float>();
  CHECK(ua == uniform({1000}, -2.0, 3.0, b).to_vector<float>());
  CHECK(ua != uniform({1000}, -2.0, 3.0, c).to_vector<float>());
  for (float v : ua) {
    REQUIRE(v >= -2.0f);
    REQUIRE(v < 3.0f);
  }
  Generator g(3);
  const auto n = normal({20000}, 1.0, 2.0, g, DType::Float64).to_vector<double>();
  double m = 0, s = 0;
  for (double v : n) m += v;
  m /= n.size();
  for (double v : n) s += (v - m) * (v - m);
  s = std::sqrt(s / n.size());
  CHECK(m == Approx(1.0).margin(0.05));
  CHECK(s == Approx(2.0).margin(0.05));
}

TEST_CASE("generator state round-trips exactly", "[tensor]") {
  Generator g(99);
  g.normal();  // leaves a spare normal in the state
  const std::string state = g.state();
  const double next_normal = g.normal();
  const double next_uniform = g.uniform();
  Generator h(0);
  h.set_state(state);
  CHECK(h.normal() == next_normal);
  CHECK(h.uniform() == next_uniform);
  CHECK_THROWS_AS(h.set_state("not a state"), Error);
  for (int i = 0; i < 1000; ++i) REQUIRE(g.below(7) < 7);
}

TEST_CASE("from_vector and to_vector round-trip with conversion", "[tensor]") {
  std::vector<double> values{1.5, -2.25, 3.0, 4.0, 5.5, -6.0};
  Tensor t = from_vector(values, {2, 3}, DType::Float64);
  CHECK(t.to_vector<double>() == values);
  CHECK(t.at({1, 2}) == -6.0);
  Tensor f = from_vector(values, {2, 3});  // converted to float32
  CHECK(f.dtype() == DType::Float32);
  CHECK(f.to_vector<float>()[1] == -2.25f);
  CHECK(t.to(DType::Int32).to_vector<std::int32_t>() == std::vector<std::int32_t>{1, -2, 3, 4, 5, -6});
  CHECK_THROWS_AS(from_vector(values, {4, 2}), Error);
}

TEST_CASE("views share storage with their base", "[tensor][views]") {
  Tensor base = arange(0, 24, 1, DType::Float64).reshape({2, 3, 4});
  Tensor p = base.permute({2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK_FALSE(p.is_contiguous());
  CHECK(p.at({3, 1, 2}) == base.at({1, 2, 3}));
  Tensor n = base.narrow(2, 1, 2);
  CHECK(n.shape() == Shape{2, 3, 2});
  CHECK(n.at({1, 0, 1}) == base.at({1, 0, 2}));
  n.set({0, 0, 0}, 100.0);  // writes through to the base
  CHECK(base.at({0, 0, 1}) == 100.0);
  Tensor t = base.transpose(0, 2);
  CHECK(t.at({3, 2, 1}) == base.at({1, 2, 3}));
  Tensor e = from_vector(std::vector<double>{1, 2, 3}, {3, 1}, DType::Float64).expand({2, 3, 4});
  CHECK(e.strides()[0] == 0);
  CHECK(e.at({1, 2, 3}) == 3.0);
  CHECK(base.unsqueeze(1).shape() == Shape{2, 1, 3, 4});
  CHECK(base.unsqueeze(-1).shape() == Shape{2, 3, 4, 1});
  CHECK(base.unsqueeze(0).squeeze(0).shape() == base.shape());
  CHECK(base.storage() == p.storage());
}

TEST_CASE("reshape views dense tensors and copies strided ones", "[tensor][views]") {
  Tensor base = arange(0, 12, 1, DType::Float64).reshape({3, 4});
  Tensor r = base.reshape({2, -1});
  CHECK(r.shape() == Shape{2, 6});
  CHECK(r.storage() == base.storage());
  Tensor strided = base.transpose(0, 1);
  Tensor flat = strided.reshape({12});
  CHECK(flat.storage() != base.storage());
  std::vector<double> expected;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 3; ++i) expected.push_back(i * 4 + j);
  CHECK(flat.to_vector<double>() == expected);
  CHECK_THROWS_AS(base.reshape({5, -1}), Error);
  CHECK_THROWS_AS(base.reshape({-1, -1}), Error);
}

TEST_CASE("contiguous, clone and copy_ produce independent dense data", "[tensor]") {
  Generator gen(1);
  Tensor x = c2am::testing::random_tensor({3, 5, 2}, gen);
  Tensor nc = c2am::testing::non_contiguous(x);
  CHECK_FALSE(nc.is_contiguous());
  Tensor c = nc.contiguous();
  CHECK(c.is_contiguous());
  CHECK(c.to_vector<double>() == x.to_vector<double>());
  Tensor k = x.clone();
  k.set({0, 0, 0}, 42.0);
  CHECK(x.at({0, 0, 0}) != 42.0);
  Tensor dst = zeros({3, 5, 2}, DType::Float32);
  dst.copy_(nc);
  C2AM_REQUIRE_OK(compare(dst, x, 1e-6, 1e-7));
  CHECK(c.contiguous().storage() == c.storage());  // already dense: no copy
  CHECK_THROWS_AS(dst.copy_(zeros({2, 2})), Error);
}

TEST_CASE("in-place writes bump the storage version", "[tensor]") {
  Tensor t = zeros({4});
  const auto v0 = t.storage()->version();
  t.fill_(2.0);
  t.set({1}, 3.0);
  CHECK(t.storage()->version() == v0 + 2);
  CHECK(t.to_vector<float>() == std::vector<float>{2, 3, 2, 2});
}

TEST_CASE("element access checks its index", "[tensor][errors]") {
  Tensor t = zeros({2, 3});
  CHECK_THROWS_WITH(t.at({2, 0}), Catch::Contains("index 2 out of range") && Catch::Contains("float32[2, 3]"));
  CHECK_THROWS_AS(t.at({0}), Error);
  CHECK_THROWS_WITH(t.item(), Catch::Contains("exactly one element"));
  CHECK(full({1, 1}, 5.0).item() == 5.0);
  Tensor undefined;
  CHECK_FALSE(undefined.defined());
  CHECK_THROWS_WITH(undefined.shape(), Catch::Contains("undefined tensor"));
}

TEST_CASE("printing shows description and values, eliding long dimensions", "[tensor]") {
  std::ostringstream out;
  out << from_vector(std::vector<float>{1.5f, 2.0f, -3.0f, 4.0f}, {2, 2});
  const std::string text = out.str();
  CHECK(text.find("float32[2, 2] on cpu") != std::string::npos);
  CHECK(text.find("1.5") != std::string::npos);
  CHECK(text.find("-3") != std::string::npos);
  std::ostringstream long_out;
  long_out << arange(0, 100);
  CHECK(long_out.str().find("...") != std::string::npos);
  CHECK(long_out.str().find("99") != std::string::npos);
}

TEST_CASE("devices parse and print", "[tensor]") {
  CHECK(Device::parse("cpu") == Device::cpu());
  CHECK(Device::parse("cuda") == Device::cuda(0));
  CHECK(Device::parse("cuda:3") == Device::cuda(3));
  CHECK(Device::cuda(1).str() == "cuda:1");
  CHECK_THROWS_WITH(Device::parse("gpu"), Catch::Contains("cannot parse 'gpu'"));
  CHECK_THROWS_AS(Device::parse("cuda:x"), Error);
}

TEST_CASE("CUDA availability is reported with a reason", "[tensor][cuda-query]") {
  const auto& a = cuda::availability();
  if (!a.available) {
    CHECK_FALSE(a.reason.empty());
    CHECK_THROWS_AS(zeros({2}, Device::cuda()), Error);
  } else {
    CHECK(a.device_count >= 1);
  }
}

TEST_CASE("from_external views memory owned elsewhere and releases it once, when the last view is gone",
          "[tensor]") {
  std::vector<double> owned{1, 2, 3, 4, 5, 6};
  int released = 0;
  {
    Tensor t = from_external(owned.data(), {2, 3}, {3, 1}, DType::Float64, Device::cpu(), [&] { ++released; });
    CHECK(t.data<double>() == owned.data());  // no copy
    CHECK(t.at({1, 2}) == 6);
    Tensor column = t.transpose(0, 1).narrow(0, 1, 1);  // a view keeps the memory alive
    t = Tensor();
    CHECK(released == 0);
    CHECK(column.at({0, 1}) == 5);
    owned[4] = 50;  // the owner's writes are seen
    CHECK(column.at({0, 1}) == 50);
    const Tensor sum = c2am::sum(column);  // ops read it like any tensor
    CHECK(sum.item() == 52);
  }
  CHECK(released == 1);

  // Strided (every other element) and broadcast (stride 0) layouts.
  Tensor strided = from_external(owned.data(), {3}, {2}, DType::Float64, Device::cpu(), [] {});
  CHECK(strided.to_vector<double>() == std::vector<double>{1, 3, 50});
  Tensor broadcast = from_external(owned.data(), {2, 2}, {0, 1}, DType::Float64, Device::cpu(), [] {});
  CHECK(broadcast.to_vector<double>() == std::vector<double>{1, 2, 1, 2});
  CHECK_THROWS_WITH(from_external(owned.data(), {3}, {-1}, DType::Float64, Device::cpu(), [] {}),
                    Catch::Contains("negative stride -1"));
  CHECK_THROWS_WITH(from_external(owned.data(), {3}, {1, 1}, DType::Float64, Device::cpu(), [] {}),
                    Catch::Contains("shape has 1 dimensions, strides 2"));
}
