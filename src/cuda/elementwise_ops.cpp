// Host side of the CUDA elementwise and reduction kernels: layouts, output
// allocation, launches on the tensor's device stream, status checks.

#include <algorithm>

#include "backend/cuda_backend.hpp"
#include "backend/cuda_ops.hpp"
#include "cuda/check.hpp"
#include "elementwise.cuh"
#include "reduce.cuh"
#include "sgd.cuh"

namespace c2am::cuda::ops {

namespace {

using detail::StridedLayout;

StridedLayout layout_of(const Tensor& t, const char* op) {
  C2AM_CHECK(t.dim() <= detail::kMaxRank, op, "tensors of more than ", detail::kMaxRank, " dimensions are not supported on the GPU (",
        t.describe(), ")");
  StridedLayout l;
  l.rank = static_cast<int>(t.dim());
  for (int d = 0; d < l.rank; ++d) l.sizes[d] = t.shape()[d], l.strides[d] = t.strides()[d];
  return l;
}

// `t` read as if broadcast to `shape` (stride 0 along broadcast dimensions).
StridedLayout broadcast_layout(const Tensor& t, const Shape& shape, const char* op) {
  check(static_cast<int>(shape.size()) <= detail::kMaxRank, op, "results of more than ", detail::kMaxRank,
        " dimensions are not supported on the GPU");
  StridedLayout l;
  l.rank = static_cast<int>(shape.size());
  const std::int64_t shift = static_cast<std::int64_t>(shape.size()) - t.dim();
  for (int d = 0; d < l.rank; ++d) {
    l.sizes[d] = shape[d];
    const std::int64_t source = d - shift;
    l.strides[d] = source < 0 || t.shape()[source] == 1 ? 0 : t.strides()[source];
  }
  return l;
}

void launched(cudaError_t status, const char* what, const Tensor& t) {
  detail::check_cuda(status, what, [&] { return t.describe(); });
}

cudaStream_t stream_of(const Tensor& t) { return detail::stream(t.device().index); }

}  // namespace

void copy_strided(const Tensor& src, const Tensor& dst) {
  detail::DeviceGuard guard(dst.device().index);
  launched(detail::launch_strided_copy(src.raw_data(), src.dtype(), broadcast_layout(src, dst.shape(), "copy"),
                                       dst.raw_data(), dst.dtype(), layout_of(dst, "copy"), dst.numel(),
                                       stream_of(dst)),
           "strided copy kernel", src);
}

Tensor unary(cpu::UnaryOp op, const Tensor& x, cpu::UnaryArgs args) {
  detail::DeviceGuard guard(x.device().index);
  Tensor y = empty(x.shape(), x.options());
  launched(detail::launch_unary(static_cast<detail::UnaryCode>(op), x.dtype(), x.raw_data(), layout_of(x, "unary"),
                                y.raw_data(), y.numel(), args.a, args.b, stream_of(x)),
           "unary kernel", x);
  return y;
}

Tensor unary_backward(cpu::UnaryOp op, const Tensor& grad_in, const Tensor& x_in, const Tensor& y_in,
                      cpu::UnaryArgs args) {
  detail::DeviceGuard guard(grad_in.device().index);
  const Tensor grad = grad_in.contiguous();
  const Tensor x = x_in.defined() ? x_in.contiguous() : Tensor();
  const Tensor y = y_in.defined() ? y_in.contiguous() : Tensor();
  Tensor gx = empty(grad.shape(), grad.options());
  launched(detail::launch_unary_backward(static_cast<detail::UnaryCode>(op), grad.dtype(), grad.raw_data(),
                                         x.defined() ? x.raw_data() : nullptr, y.defined() ? y.raw_data() : nullptr,
                                         gx.raw_data(), gx.numel(), args.a, args.b, stream_of(grad)),
           "unary backward kernel", grad);
  return gx;
}

Tensor binary(cpu::BinaryOp op, const Tensor& a, const Tensor& b) {
  detail::DeviceGuard guard(a.device().index);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), "binary");
  Tensor out = empty(shape, a.options());
  launched(detail::launch_binary(static_cast<detail::BinaryCode>(op), a.dtype(), a.raw_data(),
                                 broadcast_layout(a, shape, "binary"), b.raw_data(),
                                 broadcast_layout(b, shape, "binary"), out.raw_data(), out.numel(), stream_of(a)),
           "binary kernel", a);
  return out;
}

Tensor sum_rows(const Tensor& x_in) {
  detail::DeviceGuard guard(x_in.device().index);
  const Tensor x = x_in.contiguous();
  Tensor out = empty({x.size(0)}, x.options());
  launched(detail::launch_sum_rows(x.dtype(), x.raw_data(), out.raw_data(), x.size(0), x.size(1), stream_of(x)),
           "sum kernel", x);
  return out;
}

Tensor max_rows(const Tensor& x_in, Tensor& argmax) {
  detail::DeviceGuard guard(x_in.device().index);
  const Tensor x = x_in.contiguous();
  Tensor out = empty({x.size(0)}, x.options());
  argmax = empty({x.size(0)}, {DType::Int64, x.device()});
  launched(detail::launch_max_rows(x.dtype(), x.raw_data(), out.raw_data(), argmax.data<std::int64_t>(), x.size(0),
                                   x.size(1), stream_of(x)),
           "max kernel", x);
  return out;
}

Tensor scatter_rows(const Tensor& grad_in, const Tensor& argmax, std::int64_t length) {
  detail::DeviceGuard guard(grad_in.device().index);
  const Tensor grad = grad_in.contiguous();
  Tensor out = zeros({grad.numel(), length}, grad.options());
  launched(detail::launch_scatter_rows(grad.dtype(), grad.raw_data(), argmax.data<std::int64_t>(), out.raw_data(),
                                       grad.numel(), length, stream_of(grad)),
           "scatter kernel", grad);
  return out;
}

void sgd_update(Tensor& param, const Tensor& grad_in, Tensor& buffer, double lr, double weight_decay, double momentum,
                bool nesterov) {
  detail::DeviceGuard guard(param.device().index);
  C2AM_CHECK(param.is_contiguous(), "sgd", "GPU parameters must be dense, got ", param.describe());
  const Tensor grad = grad_in.contiguous();
  detail::SgdStep step{lr, weight_decay, momentum, nesterov, false};
  if (momentum != 0.0 && !buffer.defined()) {
    buffer = empty(param.shape(), param.options());
    step.first = true;
  }
  launched(detail::launch_sgd_update(param.dtype(), param.raw_data(), grad.raw_data(),
                                     momentum != 0.0 ? buffer.raw_data() : nullptr, param.numel(), step,
                                     stream_of(param)),
           "sgd update kernel", param);
  param.storage()->bump_version();
}

}  // namespace c2am::cuda::ops
