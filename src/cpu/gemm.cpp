// The one translation unit that includes Eigen: dense matrix products.
// Eigen parallelizes large products with OpenMP by itself.

#include <Eigen/Core>

#include "backend/matrix_layout.hpp"
#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"

namespace c2am::cpu {

template <typename T>
void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
          std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<Matrix, 0, Stride> C(c, m, n, Stride(ldc));
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (beta == T(0)) C.setZero(); else C *= beta;
    return;
  }
  Eigen::Map<const Matrix, 0, Stride> A(a, trans_a ? k : m, trans_a ? m : k, Stride(lda));
  Eigen::Map<const Matrix, 0, Stride> B(b, trans_b ? n : k, trans_b ? k : n, Stride(ldb));
  // beta == 0 must not read C: it may hold garbage (or NaN) by design.
  auto assign = [&](const auto& product) {
    if (beta == T(0)) {
      C.noalias() = alpha * product;
    } else {
      if (beta != T(1)) C *= beta;
      C.noalias() += alpha * product;
    }
  };
  if (!trans_a && !trans_b) assign(A * B);
  else if (trans_a && !trans_b) assign(A.transpose() * B);
  else if (!trans_a && trans_b) assign(A * B.transpose());
  else assign(A.transpose() * B.transpose());
}

template void gemm<float>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                          const float*, std::int64_t, float, float*, std::int64_t);
template void gemm<double>(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const double*, std::int64_t,
                           const double*, std::int64_t, double, double*, std::int64_t);

Tensor batched_matmul(const Tensor& a_in, const Tensor& b_in) {
  backend::MatrixLayout la, lb;
  const Tensor a = backend::gemm_operand(a_in, la);
  const Tensor b = backend::gemm_operand(b_in, lb);
  const std::int64_t batch = a.shape()[0], m = a.shape()[1], k = a.shape()[2], n = b.shape()[2];
  Tensor out = empty({batch, m, n}, a.options());
  dispatch_floating(a.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    for (std::int64_t i = 0; i < batch; ++i) {
      gemm<T>(la.transposed, lb.transposed, m, n, k, T(1), a.data<T>() + i * a.strides()[0], la.ld,
              b.data<T>() + i * b.strides()[0], lb.ld, T(0), out.data<T>() + i * m * n, n);
    }
  });
  return out;
}

}  // namespace c2am::cpu
