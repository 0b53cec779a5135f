// Copies between layouts, devices and dtypes.

#include "backend/cuda_backend.hpp"
#include "backend/cuda_ops.hpp"
#include "c2am/autograd/node.hpp"
#include "c2am/core/tensor.hpp"
#include "cpu/kernels.hpp"

namespace c2am {

namespace {

class IdentityBackward : public autograd::Node {
 public:
  std::vector<Tensor> apply(const Tensor& grad) override { return {grad}; }
  const char* name() const override { return "CopyBackward"; }
};

class ToDeviceBackward : public autograd::Node {
 public:
  explicit ToDeviceBackward(Device source) : source_(source) {}
  std::vector<Tensor> apply(const Tensor& grad) override { return {grad.to(source_)}; }
  const char* name() const override { return "ToDeviceBackward"; }

 private:
  Device source_;
};

class ToDTypeBackward : public autograd::Node {
 public:
  explicit ToDTypeBackward(DType source) : source_(source) {}
  std::vector<Tensor> apply(const Tensor& grad) override { return {grad.to(source_)}; }
  const char* name() const override { return "ToDTypeBackward"; }

 private:
  DType source_;
};

// A dense copy of `t` on its own device, without autograd.
Tensor dense_copy(const Tensor& t, const char* op) {
  Tensor out = empty(t.shape(), t.options());
  if (t.device().is_cpu()) {
    cpu::copy(t, out);
  } else if (t.is_contiguous()) {
    cuda::detail::copy_bytes(out.raw_data(), out.device(), t.raw_data(), t.device(),
                             static_cast<std::size_t>(t.numel()) * element_size(t.dtype()));
  } else {
    (void)op;
    cuda::ops::copy_strided(t, out);
  }
  return out;
}

}  // namespace

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return autograd::record<IdentityBackward>(dense_copy(*this, "contiguous"), {*this});
}

Tensor Tensor::clone() const { return autograd::record<IdentityBackward>(dense_copy(*this, "clone"), {*this}); }

Tensor Tensor::to(Device target) const {
  if (target == device()) return *this;
  Tensor source = contiguous();
  Tensor out = empty(shape(), {dtype(), target});
  cuda::detail::copy_bytes(out.raw_data(), target, source.raw_data(), source.device(),
                           static_cast<std::size_t>(numel()) * element_size(dtype()));
  return autograd::record<ToDeviceBackward>(out, {*this}, device());
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = empty(shape(), {target, device()});
  if (device().is_cpu()) {
    cpu::copy(*this, out);
  } else {
    C2AM_CHECK(target != DType::Float16 && target != DType::BFloat16 && dtype() != DType::Float16 &&
              dtype() != DType::BFloat16,
          "to", "conversions to and from 16-bit floats are not supported on the GPU yet (", describe(), " to ",
          dtype_name(target), ")");
    cuda::ops::copy_strided(*this, out);
  }
  if (!is_compute_type(target) || !is_compute_type(dtype())) return out;
  return autograd::record<ToDTypeBackward>(out, {*this}, dtype());
}

}  // namespace c2am
