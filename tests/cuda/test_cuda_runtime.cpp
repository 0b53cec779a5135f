// Device memory and CPU<->GPU copies. Runs only where a GPU is present.

#include <catch2/catch.hpp>

#include <string>

#include "c2am/cuda/runtime.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::compare;
using c2am::testing::random_tensor;

TEST_CASE("tensors survive a round trip CPU -> GPU -> CPU", "[cuda]") {
  Generator gen(11);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    const Tensor host = random_tensor({3, 5, 7}, gen, dtype);
    const Tensor device = host.to(Device::cuda());
    CHECK(device.device() == Device::cuda());
    CHECK(device.shape() == host.shape());
    const Tensor back = device.to(Device::cpu());
    C2AM_REQUIRE_OK(compare(back, host, 0.0, 0.0));
  }
}

TEST_CASE("non-contiguous tensors are copied to the GPU by value", "[cuda]") {
  Generator gen(12);
  const Tensor host = random_tensor({4, 6}, gen, DType::Float32).transpose(0, 1);
  const Tensor back = host.to(Device::cuda()).to(Device::cpu());
  C2AM_REQUIRE_OK(compare(back, host, 0.0, 0.0));
}

TEST_CASE("zeros and full fill device memory", "[cuda]") {
  const TensorOptions on_gpu{DType::Float32, Device::cuda()};
  const Tensor z = zeros({1000, 3}, on_gpu).to(Device::cpu());
  C2AM_REQUIRE_OK(compare(z, zeros({1000, 3}, {DType::Float32}), 0.0, 0.0));
  const Tensor f = full({17, 31}, 2.5, on_gpu).to(Device::cpu());
  C2AM_REQUIRE_OK(compare(f, full({17, 31}, 2.5, {DType::Float32}), 0.0, 0.0));
}

TEST_CASE("memory info reports a plausible device", "[cuda]") {
  const auto info = cuda::memory_info(0);
  CHECK(info.total_bytes > 0);
  CHECK(info.free_bytes <= info.total_bytes);
  CHECK_FALSE(cuda::device_name(0).empty());
}

TEST_CASE("an impossible allocation names the bytes requested and free", "[cuda]") {
  const auto info = cuda::memory_info(0);
  const std::int64_t elements = static_cast<std::int64_t>(info.total_bytes / 4) * 2;
  try {
    (void)empty({elements}, {DType::Float32, Device::cuda()});
    FAIL("allocation of twice the device memory succeeded");
  } catch (const Error& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("out of memory") != std::string::npos);
    CHECK(message.find(std::to_string(static_cast<std::size_t>(elements) * 4)) != std::string::npos);
    CHECK(message.find("free") != std::string::npos);
  }
}

TEST_CASE("mixing CPU and GPU operands names both devices", "[cuda]") {
  const Tensor host = zeros({3});
  const Tensor device = zeros({3}, {DType::Float32, Device::cuda()});
  try {
    (void)add(host, device);
    FAIL("adding a CPU and a GPU tensor succeeded");
  } catch (const Error& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("add") != std::string::npos);
    CHECK(message.find("on cpu") != std::string::npos);
    CHECK(message.find("on cuda:0") != std::string::npos);
  }
}

TEST_CASE("freed memory stays in the pool across synchronizations until empty_cache", "[cuda]") {
  constexpr std::size_t kBytes = std::size_t{256} << 20;
  const TensorOptions on_gpu{DType::Float32, Device::cuda()};
  {
    Tensor big = empty({static_cast<std::int64_t>(kBytes / 4)}, on_gpu);
    big.fill_(1.0);
  }
  cuda::synchronize();  // with a release threshold of 0 this would hand the bytes back
  CHECK(cuda::reserved_memory() >= kBytes);
  cuda::empty_cache();
  CHECK(cuda::reserved_memory() < kBytes);
}

TEST_CASE("copies within one GPU keep their order with later work", "[cuda]") {
  // Same-device copies are only queued (no host wait): the values must still
  // be those of the source at the time of the copy, and usable by later ops.
  Generator gen(13);
  const Tensor host = random_tensor({257, 33}, gen, DType::Float32);
  Tensor source = host.to(Device::cuda());
  const Tensor copy = source.clone();
  source.fill_(-1.0);
  C2AM_REQUIRE_OK(compare((copy * 2.0).to(Device::cpu()), host * 2.0, 0.0, 0.0));
}
