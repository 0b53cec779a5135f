// Bad arguments raise c2am::Error with a message that names the op and the
// offending shapes, dtypes and devices.

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <functional>
#include <string>

#include "c2am/c2am.hpp"
#include "c2am/cuda/runtime.hpp"
#include "support/test_support.hpp"

using namespace c2am;

namespace {

// The message of the c2am::Error `action` throws; fails the test if it
// throws nothing or something else.
std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("expected c2am::Error, got another exception: " << e.what());
  }
  FAIL("expected c2am::Error, nothing was thrown");
  return {};
}

void require_mentions(const std::string& message, std::initializer_list<const char*> parts) {
  INFO("message: " << message);
  for (const char* part : parts) {
    INFO("missing: " << part);
    CHECK(message.find(part) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("broadcasting failures name the op and both shapes", "[errors]") {
  const Tensor a = zeros({2, 3}), b = zeros({4});
  require_mentions(error_of([&] { (void)add(a, b); }), {"add", "[2, 3]", "[4]"});
  require_mentions(error_of([&] { (void)mul(a, b); }), {"mul", "[2, 3]", "[4]"});
}

TEST_CASE("dtype mismatches name the op and both tensors", "[errors]") {
  const Tensor a = zeros({2}, DType::Float32), b = zeros({2}, DType::Float64);
  require_mentions(error_of([&] { (void)sub(a, b); }), {"sub", "float32[2] on cpu", "float64[2] on cpu"});
  const Tensor integers = zeros({2}, DType::Int64);
  require_mentions(error_of([&] { (void)exp(integers); }), {"exp", "int64[2] on cpu"});
}

TEST_CASE("matmul and conv2d shape errors show the shapes", "[errors]") {
  require_mentions(error_of([] { (void)matmul(zeros({2, 3}), zeros({4, 5})); }), {"matmul", "[2, 3]", "[4, 5]"});
  require_mentions(error_of([] { (void)matmul(zeros({2, 3}), zeros({3})); }), {"matmul", "[3]"});
  require_mentions(error_of([] { (void)conv2d(zeros({1, 3, 8, 8}), zeros({4, 2, 3, 3}), Tensor()); }),
                   {"conv2d", "[1, 3, 8, 8]", "[4, 2, 3, 3]"});
  require_mentions(error_of([] { (void)conv2d(zeros({1, 3, 2, 2}), zeros({4, 3, 5, 5}), Tensor()); }),
                   {"conv2d", "2"});
  require_mentions(error_of([] { (void)conv2d(zeros({1, 3, 8, 8}), zeros({4, 3, 3, 3}), zeros({5})); }),
                   {"conv2d", "bias", "[5]"});
  require_mentions(error_of([] { (void)conv2d(zeros({3, 8, 8}), zeros({4, 3, 3, 3}), Tensor()); }),
                   {"conv2d", "[3, 8, 8]"});
}

TEST_CASE("view and shape-op errors name the op", "[errors]") {
  const Tensor t = zeros({2, 3});
  require_mentions(error_of([&] { (void)t.reshape({4, 2}); }), {"reshape", "[2, 3]", "[4, 2]"});
  require_mentions(error_of([&] { (void)t.permute({0, 0}); }), {"permute", "repeated"});
  require_mentions(error_of([&] { (void)t.narrow(1, 2, 2); }), {"narrow", "[2, 3]"});
  require_mentions(error_of([&] { (void)t.expand({4, 3}); }), {"expand", "[2, 3]", "[4, 3]"});
  require_mentions(error_of([&] { (void)t.squeeze(0); }), {"squeeze", "[2, 3]"});
  require_mentions(error_of([&] { (void)sum(t, {2}); }), {"sum", "dimension 2", "rank 2"});
  require_mentions(error_of([&] { (void)cat({t, zeros({2, 4})}, 0); }), {"cat", "[2, 3]", "[2, 4]"});
  require_mentions(error_of([] { (void)cat({}, 0); }), {"cat"});
  require_mentions(error_of([&] { (void)t.transpose(0, 5); }), {"dimension 5"});
}

TEST_CASE("pooling, normalization and resize reject bad geometry", "[errors]") {
  require_mentions(error_of([] { (void)max_pool2d(zeros({1, 1, 2, 2}), Pool2dParams::square(3, 1)); }),
                   {"max_pool2d", "[1, 1, 2, 2]"});
  require_mentions(error_of([] { (void)adaptive_avg_pool2d(zeros({1, 1, 4, 4}), 0, 2); }), {"adaptive_avg_pool2d"});
  require_mentions(error_of([] { (void)resize_bilinear(zeros({1, 1, 4, 4}), 0, 3); }), {"resize_bilinear"});
  BatchNormParams params;
  require_mentions(error_of([&] { (void)batch_norm2d(zeros({2, 3, 2, 2}), zeros({4}), Tensor(), Tensor(), Tensor(), params); }),
                   {"batch_norm2d", "[4]"});
  params.training = false;
  require_mentions(error_of([&] { (void)batch_norm2d(zeros({2, 3, 2, 2}), Tensor(), Tensor(), Tensor(), Tensor(), params); }),
                   {"batch_norm2d", "running"});
  require_mentions(error_of([] { (void)clamp(zeros({2}), 1.0, 0.0); }), {"clamp"});
}

TEST_CASE("autograd misuse is reported", "[errors]") {
  Tensor x = zeros({2}, DType::Float64).set_requires_grad();
  require_mentions(error_of([&] { (x * 2.0).backward(); }), {"backward", "float64[2]", "single-element"});
  Tensor y = sum(x * x);
  y.backward();
  require_mentions(error_of([&] { y.backward(); }), {"second time"});
  require_mentions(error_of([] { (void)Tensor().shape(); }), {"undefined tensor"});
}

TEST_CASE("asking for a GPU where there is none says why", "[errors]") {
  if (cuda::available()) SUCCEED("this machine has a GPU; covered by the CUDA tests");
  else {
    const std::string message = error_of([] { (void)zeros({4}, {DType::Float32, Device::cuda()}); });
    INFO("message: " << message);
    require_mentions(message, {"CUDA"});
    CHECK(message.find(cuda::availability().reason) != std::string::npos);
  }
  require_mentions(error_of([] { (void)Device::parse("tpu"); }), {"tpu"});
}

TEST_CASE("NaN and infinity are refused where maps, CAMs and weights enter", "[errors]") {
  c2am::testing::TempDir dir;
  // A score map or CAM file (.npy) with a block of NaN, or an infinity.
  std::vector<float> values(12, 0.5f);
  values[5] = values[6] = std::nanf("");
  const std::string nan_map = dir.str() + "/cam.npy";
  write_npy(nan_map, values, {3, 4});
  Shape shape;
  require_mentions(error_of([&] { (void)read_npy(nan_map, shape); }),
                   {"cam.npy", "2 non-finite values", "element 5"});
  values[5] = values[6] = 0.5f;
  values[11] = INFINITY;
  write_npy(nan_map, values, {3, 4});
  require_mentions(error_of([&] { (void)read_npy_f64(nan_map, shape); }), {"cam.npy", "1 non-finite value", "inf"});

  // A model file whose head weight is NaN: refused on load, naming the tensor,
  // and the model is left unchanged.
  ModelConfig config;
  config.backbone.depth = 18;
  config.backbone.base_width = 4;
  Model model(config);
  safetensors::NamedTensors state;
  for (const auto& [name, t] : model.state())
    state.emplace_back(name, name == "ac_head.activation_head.weight" ? full(t.shape(), std::nan(""), t.options()) : t.clone());
  const std::string weights = dir.str() + "/nan_head.safetensors";
  safetensors::save(weights, state);
  Model target(config);
  require_mentions(error_of([&] { (void)load_weights(target, weights); }),
                   {"nan_head.safetensors", "ac_head.activation_head.weight", "non-finite"});
  for (const auto& [name, t] : target.state()) {
    if (!is_compute_type(t.dtype())) continue;
    INFO(name);
    CHECK(std::isfinite(sum(t.to(DType::Float64)).item()));
  }
}

namespace {

// A .npy file from its parts: format version, header text, payload.
void write_raw_npy(const std::string& path, int version, std::string header, const std::string& payload) {
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY", 6);
  out.put(static_cast<char>(version)).put(0);
  const std::size_t length = header.size();
  const int bytes = version == 1 ? 2 : 4;
  for (int i = 0; i < bytes; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
  out << header << payload;
}

}  // namespace

TEST_CASE(".npy headers: legal ones read, malformed or oversized ones refused in plain words", "[errors]") {
  c2am::testing::TempDir dir;
  const std::string path = dir.str() + "/m.npy";
  const float two[2] = {0.25f, 0.5f};
  const std::string payload(reinterpret_cast<const char*>(two), sizeof two);
  Shape shape;
  // A 26 KB version-1 header (legal up to 64 KiB; padded with spaces) and a
  // version-2 header read like any other.
  write_raw_npy(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" + std::string(26000, ' ') + "\n",
                payload);
  CHECK(read_npy(path, shape) == std::vector<float>{0.25f, 0.5f});
  write_raw_npy(path, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }\n", payload);
  CHECK(read_npy(path, shape) == std::vector<float>{0.25f, 0.5f});
  CHECK(shape == Shape{1, 2});
  // Shapes that overflow or exceed the file, other types, Fortran order.
  write_raw_npy(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }\n", payload);
  require_mentions(error_of([&] { (void)read_npy(path, shape); }), {"m.npy", "too large"});
  write_raw_npy(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000), }\n", payload);
  require_mentions(error_of([&] { (void)read_npy(path, shape); }), {"m.npy", "shorter than its shape"});
  write_raw_npy(path, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n", payload);
  require_mentions(error_of([&] { (void)read_npy(path, shape); }), {"m.npy", "float32", "float64", "'<i8'"});
  write_raw_npy(path, 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", payload);
  require_mentions(error_of([&] { (void)read_npy(path, shape); }), {"m.npy", "Fortran"});
  write_raw_npy(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,", "");
  require_mentions(error_of([&] { (void)read_npy(path, shape); }), {"m.npy"});
}

TEST_CASE("C2AM_CHECK builds its message only when the check fails", "[errors]") {
  int built = 0;
  const auto described = [&] {
    ++built;
    return std::string("float32[2, 3] on cpu");
  };
  C2AM_CHECK(1 + 1 == 2, "op", "got ", described());
  CHECK(built == 0);  // a passing check evaluates none of its parts
  try {
    C2AM_CHECK(1 + 1 == 3, "op", "got ", described(), " (", 7, ")");
    FAIL("no throw");
  } catch (const c2am::Error& e) {
    CHECK(std::string(e.what()) == "op: got float32[2, 3] on cpu (7)");
  }
  CHECK(built == 1);
}
