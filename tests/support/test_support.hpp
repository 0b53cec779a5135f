#pragma once
// Helpers shared by the tests: random inputs, non-contiguous copies,
// tolerance comparisons that never let NaN pass, and finite-difference
// gradient checking.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "c2am/c2am.hpp"

namespace c2am::testing {

// Uniform values in [low, high) of the given dtype on the CPU.
Tensor random_tensor(const Shape& shape, Generator& gen, DType dtype = DType::Float64, double low = -1.0,
                     double high = 1.0);

// Same values as `t` but with a permuted memory layout (not contiguous when
// at least two dimensions are longer than 1).
Tensor non_contiguous(const Tensor& t);

struct Comparison {
  bool ok = true;
  std::string report;  // the worst element when not ok
};

// |actual - expected| <= atol + rtol * |expected| everywhere, same shape, and
// no NaN in either (NaN never passes).
Comparison compare(const Tensor& actual, const Tensor& expected, double rtol, double atol);

// max |actual − expected| / max |expected| (the error relative to the
// tensor's scale; the absolute error when expected is all zeros), on any
// device and dtype; infinity for a NaN in actual or another shape. The
// measure of the PyTorch parity tests.
double scale_relative_error(const Tensor& actual, const Tensor& expected);

// For results whose float32 rounding error depends on conditioning (sums that
// cancel, 1/(1 − s) near s = 1): `actual` may be off from the float64
// `reference` by at most `factor` times the error of `peer` (the reference
// implementation run at the same precision) plus rel_floor·max|reference|,
// measured as the largest absolute difference. NaN never passes.
Comparison compare_to_reference(const Tensor& actual, const Tensor& reference, const Tensor& peer,
                                double factor = 10.0, double rel_floor = 1e-5);

// Checks the gradients autograd computes for `inputs` (float64, requires_grad
// set by the caller) against central finite differences of
// sum(fn(inputs) * w) for a fixed random projection w.
Comparison gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
                     double eps = 1e-6, double rtol = 1e-5, double atol = 1e-7);

// Allows or forbids TF32 on the GPU for a scope (c2am::cuda::set_allow_tf32).
struct ScopedTf32 {
  bool previous = cuda::allow_tf32();
  explicit ScopedTf32(bool allow) { cuda::set_allow_tf32(allow); }
  ~ScopedTf32() { cuda::set_allow_tf32(previous); }
  ScopedTf32(const ScopedTf32&) = delete;
  ScopedTf32& operator=(const ScopedTf32&) = delete;
};

// The message of the c2am::Error that `action` throws, or "no error".
std::string error_message(const std::function<void()>& action);

// A fresh directory under the system's temporary directory (unique per
// process and object), removed with everything in it at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path.string(); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace c2am::testing

// Catch2 glue: fails with the comparison's report.
#define C2AM_REQUIRE_OK(comparison)        \
  do {                                     \
    const auto c2am_result_ = (comparison); \
    INFO(c2am_result_.report);             \
    REQUIRE(c2am_result_.ok);              \
  } while (false)
