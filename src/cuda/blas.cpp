// Matrix products on the GPU through cuBLAS: one handle per device, bound to
// the library's stream; TF32 tensor cores for float32 unless strict FP32 was
// asked for (c2am::cuda::set_allow_tf32).

#include <cublas_v2.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "backend/cuda_ops.hpp"
#include "backend/matrix_layout.hpp"
#include "c2am/cuda/runtime.hpp"
#include "cuda/check.hpp"

namespace c2am::cuda::ops {

namespace {

// The context is built only on failure (see cuda/check.hpp).
template <detail::LazyContext Context>
void check_cublas(cublasStatus_t status, const char* call, Context&& context) {
  if (status == CUBLAS_STATUS_SUCCESS) [[likely]] return;
  throw Error(std::string("cuda: ") + call + " failed with " + cublasGetStatusName(status) + " (" +
              cublasGetStatusString(status) + "): " + detail::context_text(std::forward<Context>(context)));
}

cublasHandle_t handle(int device) {
  static std::mutex mutex;
  static std::map<int, cublasHandle_t> handles;
  std::lock_guard lock(mutex);
  auto found = handles.find(device);
  if (found != handles.end()) return found->second;
  cublasHandle_t h = nullptr;
  check_cublas(cublasCreate(&h), "cublasCreate", [&] { return "cuda:" + std::to_string(device); });
  check_cublas(cublasSetStream(h, detail::stream(device)), "cublasSetStream", [&] { return "cuda:" + std::to_string(device); });
  handles[device] = h;
  return h;
}


int narrow_int(std::int64_t v, const char* what, const Tensor& t) {
  C2AM_CHECK(v <= INT32_MAX, "matmul", what, " ", v, " is too large for cuBLAS (", t.describe(), ")");
  return static_cast<int>(v);
}

}  // namespace

Tensor batched_matmul(const Tensor& a_in, const Tensor& b_in) {
  detail::DeviceGuard guard(a_in.device().index);
  backend::MatrixLayout la, lb;
  const Tensor a = backend::gemm_operand(a_in, la);
  const Tensor b = backend::gemm_operand(b_in, lb);
  const std::int64_t batch = a.shape()[0], m = a.shape()[1], k = a.shape()[2], n = b.shape()[2];
  Tensor out = empty({batch, m, n}, a.options());
  if (out.numel() == 0) return out;
  if (k == 0) return out.fill_(0.0);
  // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: swap the operands.
  cublasHandle_t h = handle(a.device().index);
  const bool tf32 = a.dtype() == DType::Float32 && allow_tf32();
  check_cublas(cublasSetMathMode(h, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode",
               [&] { return a.describe(); });
  const cublasOperation_t op_a = la.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = lb.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int in = narrow_int(n, "size", b), im = narrow_int(m, "size", a), ik = narrow_int(k, "size", a);
  const int ib = narrow_int(batch, "batch", a);
  const int lda = narrow_int(la.ld, "leading dimension", a), ldb = narrow_int(lb.ld, "leading dimension", b);
  const auto context = [&] { return a.describe() + " x " + b.describe(); };
  if (a.dtype() == DType::Float32) {
    const float one = 1.0f, zero = 0.0f;
    check_cublas(cublasSgemmStridedBatched(h, op_b, op_a, in, im, ik, &one, b.data<float>(), ldb, b.strides()[0],
                                           a.data<float>(), lda, a.strides()[0], &zero, out.data<float>(), in, m * n,
                                           ib),
                 "cublasSgemmStridedBatched", context);
  } else {
    const double one = 1.0, zero = 0.0;
    check_cublas(cublasDgemmStridedBatched(h, op_b, op_a, in, im, ik, &one, b.data<double>(), ldb, b.strides()[0],
                                           a.data<double>(), lda, a.strides()[0], &zero, out.data<double>(), in,
                                           m * n, ib),
                 "cublasDgemmStridedBatched", context);
  }
  return out;
}

}  // namespace c2am::cuda::ops
