// L2 normalization of the rows of a contiguous [rows, length] tensor.

#include <algorithm>
#include <cmath>

#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"
#include "cpu/strided.hpp"

namespace c2am::cpu {

Tensor normalize_rows_forward(const Tensor& x, double eps, Tensor& norms) {
  const std::int64_t rows = x.shape()[0], length = x.shape()[1];
  Tensor out = empty(x.shape(), x.options());
  norms = empty({rows}, x.options());
  dispatch_floating(x.dtype(), "normalize", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* yp = out.data<T>();
    T* np = norms.data<T>();
#pragma omp parallel for schedule(static) if (rows > 1 && rows * length >= kParallelGrain)
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* row = xp + r * length;
      double squares = 0.0;
      for (std::int64_t i = 0; i < length; ++i) squares += static_cast<double>(row[i]) * row[i];
      const T norm = static_cast<T>(std::sqrt(squares));
      np[r] = norm;
      if (!std::isfinite(norm)) {
        // A finite row whose norm overflows T (float32 beyond ~3.4e38, or its
        // squares beyond float64's range): divide in float64 by the norm of
        // the row scaled to its largest entry, so the result is the unit
        // vector, not zeros. (Ordinary rows keep the T division below.)
        double largest = 0.0;
        for (std::int64_t i = 0; i < length; ++i) largest = std::max(largest, std::abs(static_cast<double>(row[i])));
        if (std::isfinite(largest)) {
          double scaled = 0.0;
          for (std::int64_t i = 0; i < length; ++i) {
            const double v = static_cast<double>(row[i]) / largest;
            scaled += v * v;
          }
          const double scaled_norm = std::sqrt(scaled);  // ‖x‖ / largest
          for (std::int64_t i = 0; i < length; ++i)
            yp[r * length + i] = static_cast<T>(static_cast<double>(row[i]) / largest / scaled_norm);
          continue;
        }
      }
      const T denominator = std::max(norm, static_cast<T>(eps));
      for (std::int64_t i = 0; i < length; ++i) yp[r * length + i] = row[i] / denominator;
    }
  });
  return out;
}

Tensor normalize_rows_backward(const Tensor& grad_in, const Tensor& y, const Tensor& norms, double eps) {
  const Tensor grad = grad_in.contiguous();
  const std::int64_t rows = y.shape()[0], length = y.shape()[1];
  Tensor out = empty(y.shape(), y.options());
  dispatch_floating(y.dtype(), "normalize_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gp = grad.data<T>();
    const T* yp = y.data<T>();
    const T* np = norms.data<T>();
    T* op = out.data<T>();
#pragma omp parallel for schedule(static) if (rows > 1 && rows * length >= kParallelGrain)
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* g = gp + r * length;
      const T* yr = yp + r * length;
      T* o = op + r * length;
      const T eps_t = static_cast<T>(eps);
      if (np[r] >= eps_t) {
        // y = x / |x|: the Jacobian (I - y y^T) / |x| removes the radial part.
        double dot = 0.0;
        for (std::int64_t i = 0; i < length; ++i) dot += static_cast<double>(g[i]) * yr[i];
        const T radial = static_cast<T>(dot);
        for (std::int64_t i = 0; i < length; ++i) o[i] = (g[i] - yr[i] * radial) / np[r];
      } else {
        // Below eps the denominator is the constant eps.
        for (std::int64_t i = 0; i < length; ++i) o[i] = g[i] / eps_t;
      }
    }
  });
  return out;
}

}  // namespace c2am::cpu
