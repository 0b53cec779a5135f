#pragma once
// Naive reference arrays for the op tests: a flat float64 buffer with a
// shape, filled by plain loops in the tests so that expected values never
// come from the code under test.

#include <cstdint>
#include <vector>

#include "c2am/c2am.hpp"

namespace c2am::testing {

struct RefArray {
  Shape shape;
  std::vector<double> values;

  explicit RefArray(Shape s) : shape(std::move(s)), values(static_cast<std::size_t>(numel_of(shape)), 0.0) {}
  // Values of `t` in row-major order, whatever its layout and dtype.
  static RefArray of(const Tensor& t) {
    RefArray r(t.shape());
    r.values = t.to_vector<double>();
    return r;
  }

  std::int64_t offset(const std::vector<std::int64_t>& index) const {
    std::int64_t flat = 0;
    for (std::size_t d = 0; d < index.size(); ++d) flat = flat * shape[d] + index[d];
    return flat;
  }
  double& operator[](const std::vector<std::int64_t>& index) { return values[offset(index)]; }
  double operator[](const std::vector<std::int64_t>& index) const { return values[offset(index)]; }

  Tensor tensor(DType dtype) const { return from_vector<double>(values, shape, dtype); }
};

// Multi-index of flat position `flat` in a row-major array of `shape`.
inline std::vector<std::int64_t> unravel(std::int64_t flat, const Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::int64_t d = static_cast<std::int64_t>(shape.size()) - 1; d >= 0; --d) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

}  // namespace c2am::testing
