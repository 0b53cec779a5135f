#pragma once
// c2am::Tensor — an n-dimensional array on the CPU or a GPU that records the
// operations applied to it for reverse-mode differentiation.
//
// A Tensor is a cheap handle (a shared pointer): copying it shares the data,
// like a PyTorch tensor. Views (reshape of a dense tensor, permute, transpose,
// narrow, expand, squeeze, unsqueeze) share storage with their base; every
// other operation returns a new tensor. Operations live in c2am/ops/*.hpp.
//
//   c2am::Generator gen(42);
//   auto x = c2am::normal({2, 3}, 0.0, 1.0, gen).set_requires_grad(true);
//   auto loss = c2am::sum(c2am::relu(x) * 2.0);
//   loss.backward();        // x.grad() now holds 2 where x > 0, else 0

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <vector>

#include "c2am/core/device.hpp"
#include "c2am/core/dtype.hpp"
#include "c2am/core/error.hpp"
#include "c2am/core/generator.hpp"
#include "c2am/core/shape.hpp"
#include "c2am/core/storage.hpp"

namespace c2am {

namespace autograd {
struct AutogradMeta;
class Node;
}  // namespace autograd

struct TensorOptions {
  DType dtype = DType::Float32;
  Device device = Device::cpu();

  TensorOptions() = default;
  TensorOptions(DType d) : dtype(d) {}   // NOLINT: implicit on purpose, zeros(s, DType::Float64)
  TensorOptions(Device dev) : device(dev) {}  // NOLINT
  TensorOptions(DType d, Device dev) : dtype(d), device(dev) {}
};

// The shared state behind a Tensor handle. Not part of the stable API.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Strides strides;
  std::int64_t offset = 0;  // in elements
  DType dtype = DType::Float32;
  std::shared_ptr<autograd::AutogradMeta> autograd;  // null until needed
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor; defined() is false
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }

  // --- metadata -----------------------------------------------------------
  const Shape& shape() const;
  const Strides& strides() const;
  std::int64_t dim() const { return static_cast<std::int64_t>(shape().size()); }
  std::int64_t size(std::int64_t d) const;
  std::int64_t numel() const { return numel_of(shape()); }
  std::int64_t offset() const;
  DType dtype() const;
  Device device() const;
  TensorOptions options() const { return {dtype(), device()}; }
  bool is_contiguous() const;
  // "float32[2, 3] on cpu", used in error messages.
  std::string describe() const;

  // --- raw data (for kernels and tests) -------------------------------------
  // Pointer to the first element (storage + offset). The element type must
  // match dtype(); throws otherwise.
  template <typename T> T* data() const;
  void* raw_data() const;
  const std::shared_ptr<Storage>& storage() const;

  // --- views (share storage; differentiable) ------------------------------
  // Reshape: a view when the layout allows, a copy otherwise. One -1 infers.
  Tensor reshape(Shape shape) const;
  Tensor permute(const std::vector<std::int64_t>& dims) const;
  Tensor transpose(std::int64_t a, std::int64_t b) const;
  // Elements [start, start + length) along `dim`.
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  // Broadcast size-1 dimensions (and new leading ones) to `shape` with stride 0.
  Tensor expand(const Shape& shape) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor squeeze(std::int64_t dim) const;

  // --- copies -------------------------------------------------------------
  // This tensor if already dense row-major, else a dense copy.
  Tensor contiguous() const;
  Tensor clone() const;
  // Copy to another device (this tensor if already there). Differentiable.
  Tensor to(Device device) const;
  // Convert to another dtype (this tensor if already of it). Differentiable
  // between floating types.
  Tensor to(DType dtype) const;

  // --- in-place (refused on tensors that need a gradient) -----------------
  Tensor& fill_(double value);
  // Copies `src` (same shape, any device or dtype) into this tensor.
  Tensor& copy_(const Tensor& src);

  // --- element access (slow; for tests and small tensors) -----------------
  double item() const;
  double at(const std::vector<std::int64_t>& index) const;
  void set(const std::vector<std::int64_t>& index, double value);
  template <typename T> std::vector<T> to_vector() const;

  // --- autograd -----------------------------------------------------------
  bool requires_grad() const;
  // Marks a leaf tensor as a parameter whose gradient backward() accumulates.
  Tensor& set_requires_grad(bool enabled = true);
  // Accumulated gradient of a leaf (undefined until a backward reached it).
  Tensor grad() const;
  void zero_grad();
  // Backpropagates from this scalar (gradient 1) or with an explicit gradient
  // of this tensor's shape. Frees the graph's saved tensors afterwards.
  void backward() const;
  void backward(const Tensor& gradient) const;
  // Same data, cut off from the graph.
  Tensor detach() const;
  // The node that produced this tensor (null for leaves and constants).
  std::shared_ptr<autograd::Node> grad_fn() const;

  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

 private:
  const TensorImpl& checked() const;
  std::shared_ptr<TensorImpl> impl_;
};

// --- factories ---------------------------------------------------------------
Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
// 0, 1, ..., n-1 (or start, start+step, ... below end).
Tensor arange(double start, double end, double step = 1.0, TensorOptions options = {});
Tensor uniform(const Shape& shape, double low, double high, Generator& gen, TensorOptions options = {});
Tensor normal(const Shape& shape, double mean, double stddev, Generator& gen, TensorOptions options = {});
// Copies `values` (row-major, numel(shape) of them) into a new tensor of
// options.dtype — float32 unless given, whatever T is
// (from_vector<double>(v, shape) is float32; pass DType::Float64 to keep it).
template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions options = {});
Tensor from_buffer(const void* data, DType source_dtype, const Shape& shape, TensorOptions options = {});
// A tensor over memory owned elsewhere, without a copy (NumPy arrays and
// DLPack tensors in the Python module). `strides` are in elements and must
// not be negative; `release` runs (once) when the last tensor sharing the
// memory is gone. c2am writes into it only through in-place operations.
// Throws c2am::Error on a negative stride or a shape/strides rank mismatch.
Tensor from_external(void* data, const Shape& shape, const Strides& strides, DType dtype, Device device,
                     std::function<void()> release);
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);

// Prints the description and the values (long tensors are elided).
std::ostream& operator<<(std::ostream& out, const Tensor& t);

}  // namespace c2am
