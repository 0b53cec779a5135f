// Tensor metadata, element access, in-place writes and the autograd entry points.

#include "c2am/core/tensor.hpp"

#include "backend/cuda_backend.hpp"
#include "backend/cuda_ops.hpp"
#include "c2am/autograd/grad_mode.hpp"
#include "c2am/autograd/node.hpp"
#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"

namespace c2am {

const TensorImpl& Tensor::checked() const {
  if (!impl_) throw Error("tensor: operation on an undefined tensor");
  return *impl_;
}

const Shape& Tensor::shape() const { return checked().shape; }
const Strides& Tensor::strides() const { return checked().strides; }
std::int64_t Tensor::offset() const { return checked().offset; }
DType Tensor::dtype() const { return checked().dtype; }
Device Tensor::device() const { return checked().storage->device(); }
const std::shared_ptr<Storage>& Tensor::storage() const { return checked().storage; }

std::int64_t Tensor::size(std::int64_t d) const { return shape()[wrap_dim(d, dim(), "size")]; }

bool Tensor::is_contiguous() const {
  const auto& impl = checked();
  std::int64_t expected = 1;
  for (std::size_t i = impl.shape.size(); i-- > 0;) {
    if (impl.shape[i] == 1) continue;
    if (impl.strides[i] != expected) return false;
    expected *= impl.shape[i];
  }
  return true;
}

std::string Tensor::describe() const {
  if (!impl_) return "undefined tensor";
  return std::string(dtype_name(dtype())) + shape_str(shape()) + " on " + device().str();
}

void* Tensor::raw_data() const {
  const auto& impl = checked();
  return static_cast<char*>(impl.storage->data()) + impl.offset * static_cast<std::int64_t>(element_size(impl.dtype));
}

template <typename T>
T* Tensor::data() const {
  C2AM_CHECK(dtype() == dtype_of_v<T>, "data", "tensor is ", describe(), " but ", dtype_name(dtype_of_v<T>),
        " elements were asked for");
  return static_cast<T*>(raw_data());
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;
template std::int32_t* Tensor::data<std::int32_t>() const;
template std::int64_t* Tensor::data<std::int64_t>() const;
template std::uint8_t* Tensor::data<std::uint8_t>() const;

// --- element access ------------------------------------------------------------

namespace {

std::int64_t element_offset(const Tensor& t, const std::vector<std::int64_t>& index, const char* op) {
  C2AM_CHECK(static_cast<std::int64_t>(index.size()) == t.dim(), op, "index of rank ", index.size(), " for tensor ",
        t.describe());
  std::int64_t offset = 0;
  for (std::size_t d = 0; d < index.size(); ++d) {
    C2AM_CHECK(index[d] >= 0 && index[d] < t.shape()[d], op, "index ", index[d], " out of range for dimension ", d,
          " of ", t.describe());
    offset += index[d] * t.strides()[d];
  }
  return offset;
}

}  // namespace

double Tensor::item() const {
  C2AM_CHECK(numel() == 1, "item", "tensor ", describe(), " does not hold exactly one element");
  return at(std::vector<std::int64_t>(dim(), 0));
}

double Tensor::at(const std::vector<std::int64_t>& index) const {
  const std::int64_t offset = element_offset(*this, index, "at");
  Tensor element = detach();
  element.impl_->shape = {};
  element.impl_->strides = {};
  element.impl_->offset += offset;
  Tensor host = element.to(Device::cpu()).to(DType::Float64);
  return *host.data<double>();
}

void check_writable(const Tensor& t, const char* op);

void Tensor::set(const std::vector<std::int64_t>& index, double value) {
  check_writable(*this, "set");
  const std::int64_t offset = element_offset(*this, index, "set");
  Tensor element = detach();
  element.impl_->shape = {};
  element.impl_->strides = {};
  element.impl_->offset += offset;
  element.fill_(value);
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = to(Device::cpu()).to(dtype_of_v<T>).contiguous();
  const T* p = host.data<T>();
  return std::vector<T>(p, p + host.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int32_t> Tensor::to_vector<std::int32_t>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;
template std::vector<std::uint8_t> Tensor::to_vector<std::uint8_t>() const;

// --- in-place writes ---------------------------------------------------------------

void check_writable(const Tensor& t, const char* op) {
  C2AM_CHECK(!(t.requires_grad() && is_grad_enabled()), op, "in-place write to ", t.describe(),
        " which requires grad; wrap it in a NoGradGuard (as optimizers do)");
}

Tensor& Tensor::fill_(double value) {
  check_writable(*this, "fill_");
  if (device().is_cpu()) {
    cpu::fill(*this, value);
  } else {
    C2AM_CHECK(is_contiguous(), "fill_", "strided fills of GPU tensors are not supported yet (", describe(), ")");
    cuda::detail::fill(raw_data(), dtype(), numel(), value, device().index);
  }
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_writable(*this, "copy_");
  C2AM_CHECK(src.shape() == shape(), "copy_", "source ", src.describe(), " and destination ", describe(),
        " differ in shape");
  if (device().is_cpu() && src.device().is_cpu()) {
    cpu::copy(src, *this);
  } else {
    // Cross-device: convert on the source side, move dense bytes, then place.
    Tensor staged = src.to(dtype()).contiguous();
    if (is_contiguous()) {
      cuda::detail::copy_bytes(raw_data(), device(), staged.raw_data(), staged.device(),
                               static_cast<std::size_t>(numel()) * element_size(dtype()));
    } else if (device().is_cpu()) {
      cpu::copy(staged.to(Device::cpu()), *this);
    } else {
      cuda::ops::copy_strided(staged.to(device()), *this);  // a strided view on the GPU (cat)
    }
  }
  storage()->bump_version();
  return *this;
}

// --- autograd ------------------------------------------------------------------------

bool Tensor::requires_grad() const {
  const auto& meta = checked().autograd;
  return meta && meta->requires_grad;
}

Tensor& Tensor::set_requires_grad(bool enabled) {
  auto& impl = const_cast<TensorImpl&>(checked());
  check(!impl.autograd || !impl.autograd->grad_fn, "set_requires_grad",
        "only leaf tensors can be marked; this one was computed by ", impl.autograd ? impl.autograd->grad_fn->name() : "");
  C2AM_CHECK(!enabled || is_compute_type(impl.dtype), "set_requires_grad", "gradients need a floating dtype, got ",
        describe());
  if (!impl.autograd) impl.autograd = std::make_shared<autograd::AutogradMeta>();
  impl.autograd->requires_grad = enabled;
  return *this;
}

Tensor Tensor::grad() const {
  const auto& meta = checked().autograd;
  return meta ? meta->grad : Tensor();
}

void Tensor::zero_grad() {
  if (const auto& meta = checked().autograd) meta->grad = Tensor();
}

void Tensor::backward() const {
  C2AM_CHECK(numel() == 1, "backward", "called without a gradient on ", describe(),
        "; only a single-element tensor has an implicit gradient of 1");
  autograd::run_backward(*this, ones(shape(), options()));
}

void Tensor::backward(const Tensor& gradient) const {
  C2AM_CHECK(gradient.shape() == shape() && gradient.dtype() == dtype() && gradient.device() == device(), "backward",
        "gradient ", gradient.describe(), " does not match tensor ", describe());
  autograd::run_backward(*this, gradient);
}

Tensor Tensor::detach() const {
  const auto& impl = checked();
  auto out = std::make_shared<TensorImpl>();
  out->storage = impl.storage;
  out->shape = impl.shape;
  out->strides = impl.strides;
  out->offset = impl.offset;
  out->dtype = impl.dtype;
  return Tensor(out);
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  const auto& meta = checked().autograd;
  return meta ? meta->grad_fn : nullptr;
}

}  // namespace c2am
