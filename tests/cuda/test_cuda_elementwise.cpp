// Elementwise ops, copies and reductions on the GPU against the CPU
// reference on the same random inputs, forward and backward. Runs only
// where a GPU is present (see test_cuda_main.cpp).

#include <catch2/catch.hpp>

#include <functional>

#include "c2am/cuda/runtime.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::compare;
using c2am::testing::non_contiguous;
using c2am::testing::random_tensor;

namespace {

// Tolerances of DESIGN.md for strict FP32; float64 nearly exact.
double rtol(DType dtype) { return dtype == DType::Float64 ? 1e-12 : 1e-5; }
double atol(DType dtype) { return dtype == DType::Float64 ? 1e-12 : 1e-6; }

// Runs `fn` on CPU inputs and on GPU copies of them, compares the outputs
// and the gradients of sum(out * w) for a random w.
void check_against_cpu(const std::vector<Tensor>& cpu_inputs, const std::function<Tensor(const std::vector<Tensor>&)>& fn) {
  const DType dtype = cpu_inputs.front().dtype();
  std::vector<Tensor> a, b;
  for (const Tensor& t : cpu_inputs) {
    a.push_back(t.detach().clone().set_requires_grad());
    b.push_back(t.detach().to(Device::cuda()).set_requires_grad());
  }
  const Tensor out_cpu = fn(a), out_gpu = fn(b);
  REQUIRE(out_gpu.device() == Device::cuda());
  C2AM_REQUIRE_OK(compare(out_gpu.to(Device::cpu()), out_cpu, rtol(dtype), atol(dtype)));
  Generator gen(99);
  const Tensor w = random_tensor(out_cpu.shape(), gen, dtype);
  sum(out_cpu * w).backward();
  sum(out_gpu * w.to(Device::cuda())).backward();
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("gradient of input " << i);
    REQUIRE(b[i].grad().defined());
    C2AM_REQUIRE_OK(compare(b[i].grad().to(Device::cpu()), a[i].grad(), rtol(dtype), atol(dtype)));
  }
}

}  // namespace

TEST_CASE("GPU unary ops match the CPU, forward and backward", "[cuda][elementwise]") {
  Generator gen(1);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor x = non_contiguous(random_tensor({37, 5, 3}, gen, dtype, -2.0, 2.0));
    const Tensor positive = random_tensor({1000, 3}, gen, dtype, 0.2, 3.0);
    check_against_cpu({x}, [](const auto& t) { return neg(t[0]); });
    check_against_cpu({x}, [](const auto& t) { return exp(t[0]); });
    check_against_cpu({x}, [](const auto& t) { return sigmoid(t[0]); });
    check_against_cpu({x}, [](const auto& t) { return relu(t[0]); });
    check_against_cpu({x}, [](const auto& t) { return affine(t[0], 1.5, -0.25); });
    check_against_cpu({x}, [](const auto& t) { return clamp(t[0], -0.5, 1.0); });
    check_against_cpu({positive}, [](const auto& t) { return log(t[0]); });
    check_against_cpu({positive}, [](const auto& t) { return sqrt(t[0]); });
    check_against_cpu({positive}, [](const auto& t) { return pow(t[0], 2.5); });
  }
}

TEST_CASE("GPU binary ops broadcast like the CPU", "[cuda][elementwise]") {
  Generator gen(2);
  const std::vector<std::pair<Shape, Shape>> shapes = {{{3, 1, 5}, {4, 1}}, {{7, 300}, {300}}, {{}, {2, 3}}, {{129}, {129}}};
  for (DType dtype : {DType::Float32, DType::Float64}) {
    for (const auto& [sa, sb] : shapes) {
      INFO(dtype_name(dtype) << " " << shape_str(sa) << " with " << shape_str(sb));
      const Tensor a = non_contiguous(random_tensor(sa, gen, dtype));
      const Tensor b = random_tensor(sb, gen, dtype, 0.5, 2.0);
      check_against_cpu({a, b}, [](const auto& t) { return t[0] + t[1]; });
      check_against_cpu({a, b}, [](const auto& t) { return t[0] - t[1]; });
      check_against_cpu({a, b}, [](const auto& t) { return t[0] * t[1]; });
      check_against_cpu({a, b}, [](const auto& t) { return t[0] / t[1]; });
    }
  }
}

TEST_CASE("GPU sums, means and maxima over any dimensions", "[cuda][reduction]") {
  Generator gen(3);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor x = non_contiguous(random_tensor({6, 513, 3}, gen, dtype));
    check_against_cpu({x}, [](const auto& t) { return sum(t[0]); });
    check_against_cpu({x}, [](const auto& t) { return mean(t[0], {1}); });
    check_against_cpu({x}, [](const auto& t) { return sum(t[0], {0, 2}, true); });
    check_against_cpu({x}, [](const auto& t) { return max(t[0], {1}); });
    check_against_cpu({x}, [](const auto& t) { return max(t[0]); });
  }
  // Ties: the first maximal element, as on the CPU.
  const Tensor ties = from_vector<double>({1, 3, 3, 2, 5, 5}, {2, 3}, DType::Float32).to(Device::cuda());
  Tensor argmax_check = ties.detach().set_requires_grad();
  sum(max(argmax_check, {1})).backward();
  CHECK(argmax_check.grad().to_vector<float>() == std::vector<float>{0, 1, 0, 0, 1, 0});
}

TEST_CASE("strided GPU copies and dtype conversions", "[cuda][copy]") {
  Generator gen(4);
  const Tensor host = random_tensor({4, 5, 6}, gen, DType::Float64);
  const Tensor device = host.to(Device::cuda());
  C2AM_REQUIRE_OK(compare(device.permute({2, 0, 1}).contiguous().to(Device::cpu()), host.permute({2, 0, 1}), 0, 0));
  C2AM_REQUIRE_OK(compare(device.narrow(1, 1, 3).to(Device::cpu()), host.narrow(1, 1, 3), 0, 0));
  C2AM_REQUIRE_OK(compare(device.to(DType::Float32).to(Device::cpu()), host.to(DType::Float32), 0, 0));
  C2AM_REQUIRE_OK(compare(device.narrow(0, 0, 1).expand({3, 5, 6}).contiguous().to(Device::cpu()),
                          host.narrow(0, 0, 1).expand({3, 5, 6}), 0, 0));
  CHECK(device.to(DType::Int64).to(Device::cpu()).dtype() == DType::Int64);
}

TEST_CASE("GPU matmul through cuBLAS: strict FP32 and TF32", "[cuda][matmul]") {
  Generator gen(5);
  const bool previous = cuda::allow_tf32();
  cuda::set_allow_tf32(false);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    check_against_cpu({random_tensor({33, 70}, gen, dtype), random_tensor({70, 17}, gen, dtype)},
                      [](const auto& t) { return matmul(t[0], t[1]); });
    check_against_cpu({random_tensor({70, 33}, gen, dtype), random_tensor({17, 70}, gen, dtype)},
                      [](const auto& t) { return matmul(t[0].transpose(0, 1), t[1].transpose(0, 1)); });
    check_against_cpu({random_tensor({3, 9, 5}, gen, dtype), non_contiguous(random_tensor({3, 5, 4}, gen, dtype))},
                      [](const auto& t) { return matmul(t[0], t[1]); });
  }
  // TF32 (the default): relative error about 1e-3 on sums of 256 products.
  cuda::set_allow_tf32(true);
  const Tensor a = random_tensor({64, 256}, gen, DType::Float32), b = random_tensor({256, 48}, gen, DType::Float32);
  const Tensor gpu = matmul(a.to(Device::cuda()), b.to(Device::cuda())).to(Device::cpu());
  C2AM_REQUIRE_OK(compare(gpu, matmul(a, b), 3e-3, 3e-3 * 16));
  cuda::set_allow_tf32(previous);
}

TEST_CASE("GPU cat, flip and normalize match the CPU", "[cuda][shape]") {
  Generator gen(6);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor a = non_contiguous(random_tensor({2, 3, 4}, gen, dtype)), b = random_tensor({2, 5, 4}, gen, dtype);
    check_against_cpu({a, b}, [](const auto& t) { return cat({t[0], t[1], t[0]}, 1); });
    check_against_cpu({a}, [](const auto& t) { return cat({t[0], t[0]}, -1); });
    check_against_cpu({a}, [](const auto& t) { return flip(t[0], {0, 2}); });
    check_against_cpu({random_tensor({7, 300}, gen, dtype)}, [](const auto& t) { return normalize(t[0], 1); });
    check_against_cpu({random_tensor({7, 30}, gen, dtype)}, [](const auto& t) { return normalize(t[0], 0); });
  }
}

TEST_CASE("the C²AM loss through generic ops on the GPU matches the CPU", "[cuda][loss]") {
  Generator gen(7);
  const bool previous = cuda::allow_tf32();
  cuda::set_allow_tf32(false);
  for (std::int64_t n : {2, 16, 64}) {
    INFO("N " << n);
    check_against_cpu({random_tensor({n, 96}, gen, DType::Float32, 0.0, 1.0),
                       random_tensor({n, 96}, gen, DType::Float32, 0.0, 1.0)},
                      [](const auto& t) { return contrastive_loss(t[0], t[1], 0.25).total; });
  }
  cuda::set_allow_tf32(previous);
}

TEST_CASE("GPU bilinear resize matches the CPU, forward and backward", "[cuda][resize]") {
  Generator gen(8);
  const bool previous = cuda::allow_tf32();
  cuda::set_allow_tf32(false);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor x = non_contiguous(random_tensor({2, 3, 7, 9}, gen, dtype));
    check_against_cpu({x}, [](const auto& t) { return resize_bilinear(t[0], 15, 4); });
    check_against_cpu({x}, [](const auto& t) { return resize_bilinear(t[0], 3, 20); });
  }
  cuda::set_allow_tf32(previous);
}
