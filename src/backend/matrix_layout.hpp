#pragma once
// How one [rows, cols] matrix of a [batch, rows, cols] tensor lies in memory,
// as GEMM libraries want it: row-major with leading dimension `ld`, or
// column-major ("transposed") with `ld`. Shared by the CPU (Eigen) and GPU
// (cuBLAS) matrix products so both accept transposed views without a copy.

#include <algorithm>
#include <cstdint>

#include "c2am/core/tensor.hpp"

namespace c2am::backend {

struct MatrixLayout {
  bool transposed = false;
  std::int64_t ld = 0;
};

// False when the matrices are neither (then make the tensor contiguous).
inline bool matrix_layout(const Tensor& t, MatrixLayout& layout) {
  const auto& s = t.strides();
  const std::int64_t rows = t.shape()[1], cols = t.shape()[2];
  if (s[2] == 1 && s[1] >= std::max<std::int64_t>(cols, 1)) {
    layout = {false, s[1]};
    return true;
  }
  if (s[1] == 1 && s[2] >= std::max<std::int64_t>(rows, 1)) {
    layout = {true, s[2]};
    return true;
  }
  return false;
}

// `t` itself when its matrices have a GEMM layout, else a contiguous copy;
// `layout` describes the returned tensor.
inline Tensor gemm_operand(const Tensor& t, MatrixLayout& layout) {
  if (matrix_layout(t, layout)) return t;
  Tensor dense = t.contiguous();
  matrix_layout(dense, layout);
  return dense;
}

}  // namespace c2am::backend
