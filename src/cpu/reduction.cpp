// Row reductions over contiguous [rows, length] tensors. Float32 sums are
// accumulated in double: the result is then the correctly rounded sum for all
// but pathological inputs, and independent of the thread count.

#include <limits>

#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"
#include "cpu/strided.hpp"

namespace c2am::cpu {

Tensor sum_rows(const Tensor& x) {
  const std::int64_t rows = x.shape()[0], length = x.shape()[1];
  Tensor out = empty({rows}, x.options());
  dispatch_floating(x.dtype(), "sum", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* op = out.data<T>();
#pragma omp parallel for schedule(static) if (rows > 1 && rows * length >= kParallelGrain)
    for (std::int64_t r = 0; r < rows; ++r) {
      double acc = 0.0;
      const T* row = xp + r * length;
      for (std::int64_t i = 0; i < length; ++i) acc += static_cast<double>(row[i]);
      op[r] = static_cast<T>(acc);
    }
  });
  return out;
}

Tensor max_rows(const Tensor& x, Tensor& argmax) {
  const std::int64_t rows = x.shape()[0], length = x.shape()[1];
  Tensor out = empty({rows}, x.options());
  argmax = empty({rows}, {DType::Int64, x.device()});
  dispatch_floating(x.dtype(), "max", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* op = out.data<T>();
    std::int64_t* ap = argmax.data<std::int64_t>();
#pragma omp parallel for schedule(static) if (rows > 1 && rows * length >= kParallelGrain)
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* row = xp + r * length;
      std::int64_t best = 0;
      for (std::int64_t i = 1; i < length; ++i) {
        // NaN wins, as in PyTorch: a NaN maximum must not be hidden.
        if (row[i] > row[best] || (row[i] != row[i] && row[best] == row[best])) best = i;
      }
      op[r] = row[best];
      ap[r] = best;
    }
  });
  return out;
}

Tensor scatter_rows(const Tensor& grad, const Tensor& argmax, std::int64_t length) {
  const std::int64_t rows = grad.shape()[0];
  Tensor out = zeros({rows, length}, grad.options());
  dispatch_floating(grad.dtype(), "max_backward", [&](auto tag) {
    using T = decltype(tag);
    const Tensor g = grad.contiguous();
    const T* gp = g.data<T>();
    const std::int64_t* ap = argmax.data<std::int64_t>();
    T* op = out.data<T>();
    for (std::int64_t r = 0; r < rows; ++r) op[r * length + ap[r]] = gp[r];
  });
  return out;
}

}  // namespace c2am::cpu
