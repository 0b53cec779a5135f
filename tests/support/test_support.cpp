#include "support/test_support.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <numeric>
#include <sstream>

namespace c2am::testing {

Tensor random_tensor(const Shape& shape, Generator& gen, DType dtype, double low, double high) {
  return uniform(shape, low, high, gen, dtype);
}

Tensor non_contiguous(const Tensor& t) {
  if (t.dim() < 2) return t.clone();
  std::vector<std::int64_t> reversed(t.dim());
  std::iota(reversed.rbegin(), reversed.rend(), 0);
  // Store in reversed dimension order, then view back in the original order.
  return t.permute(reversed).contiguous().permute(reversed);
}

double scale_relative_error(const Tensor& actual, const Tensor& expected) {
  if (actual.shape() != expected.shape()) return INFINITY;
  const auto a = actual.to(Device::cpu()).to(DType::Float64).to_vector<double>();
  const auto e = expected.to(Device::cpu()).to(DType::Float64).to_vector<double>();
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i])) return INFINITY;
    diff = std::max(diff, std::abs(a[i] - e[i]));
    scale = std::max(scale, std::abs(e[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

Comparison compare(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  Comparison result;
  if (!actual.defined() || !expected.defined()) {
    result.ok = false;
    result.report = "undefined tensor: actual " + actual.describe() + ", expected " + expected.describe();
    return result;
  }
  if (actual.shape() != expected.shape()) {
    result.ok = false;
    result.report = "shape mismatch: actual " + actual.describe() + ", expected " + expected.describe();
    return result;
  }
  const auto a = actual.to_vector<double>();
  const auto e = expected.to_vector<double>();
  double worst_excess = -1.0;
  std::size_t worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double allowed = atol + rtol * std::abs(e[i]);
    const double diff = std::abs(a[i] - e[i]);
    const double excess = (std::isnan(a[i]) || std::isnan(e[i])) ? INFINITY : diff - allowed;
    if (excess > 0 && excess > worst_excess) {
      worst_excess = excess;
      worst = i;
    }
  }
  if (worst_excess > 0) {
    std::ostringstream out;
    out.precision(10);
    out << "mismatch at flat index " << worst << ": actual " << a[worst] << ", expected " << e[worst]
        << " (rtol " << rtol << ", atol " << atol << ") in " << actual.describe();
    result.ok = false;
    result.report = out.str();
  }
  return result;
}

Comparison compare_to_reference(const Tensor& actual, const Tensor& reference, const Tensor& peer, double factor,
                                double rel_floor) {
  Comparison result;
  if (actual.shape() != reference.shape() || peer.shape() != reference.shape()) {
    std::ostringstream out;  // (streams: GCC 12 warns falsely on long string concatenations)
    out << "shape mismatch: " << actual.describe() << ", " << reference.describe() << ", " << peer.describe();
    result.ok = false;
    result.report = out.str();
    return result;
  }
  const auto a = actual.to_vector<double>(), r = reference.to_vector<double>(), p = peer.to_vector<double>();
  double actual_error = 0, peer_error = 0, scale = 0;
  std::size_t worst = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const double e = std::abs(a[i] - r[i]);
    if (std::isnan(e) || e > actual_error) actual_error = std::isnan(e) ? INFINITY : e, worst = i;
    peer_error = std::max(peer_error, std::abs(p[i] - r[i]));
    scale = std::max(scale, std::abs(r[i]));
  }
  const double allowed = factor * peer_error + rel_floor * scale;
  if (!(actual_error <= allowed)) {
    std::ostringstream out;
    out.precision(6);
    out << "largest error " << actual_error << " at flat index " << worst << " (actual " << a[worst] << ", reference "
        << r[worst] << ") exceeds " << factor << " × the peer's error " << peer_error << " + " << rel_floor
        << " × max|reference| " << scale << " in " << actual.describe();
    result.ok = false;
    result.report = out.str();
  }
  return result;
}

Comparison gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
                     double eps, double rtol, double atol) {
  Generator gen(1234);
  Tensor projection;
  auto objective = [&](const Tensor& out) {
    if (!projection.defined()) projection = uniform(out.shape(), -1.0, 1.0, gen, out.dtype());
    return sum(mul(out, projection));
  };
  for (Tensor t : inputs) t.zero_grad();
  objective(fn(inputs)).backward();

  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& input = inputs[k];
    if (!input.requires_grad()) continue;
    Tensor numeric = zeros(input.shape(), input.dtype());
    Tensor flat_numeric = numeric.reshape({-1});
    {
      NoGradGuard no_grad;
      std::vector<std::int64_t> index(input.dim(), 0);
      for (std::int64_t i = 0; i < input.numel(); ++i) {
        std::int64_t rest = i;
        for (std::int64_t d = input.dim() - 1; d >= 0; --d) {
          index[d] = rest % input.shape()[d];
          rest /= input.shape()[d];
        }
        const double original = input.at(index);
        Tensor target = input;
        target.set(index, original + eps);
        const double plus = objective(fn(inputs)).item();
        target.set(index, original - eps);
        const double minus = objective(fn(inputs)).item();
        target.set(index, original);
        flat_numeric.set({i}, (plus - minus) / (2 * eps));
      }
    }
    Tensor analytic = input.grad().defined() ? input.grad() : zeros(input.shape(), input.dtype());
    Comparison c = compare(analytic, numeric, rtol, atol);
    if (!c.ok) {
      c.report = "gradient of input " + std::to_string(k) + ": " + c.report;
      return c;
    }
  }
  return {};
}

std::string error_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path = std::filesystem::temp_directory_path() /
         ("c2am-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

}  // namespace c2am::testing
