// Views: new shapes and strides over the same storage, each with the
// backward formula that maps the view's gradient back to its base.

#include <numeric>

#include "c2am/autograd/node.hpp"
#include "c2am/core/tensor.hpp"
#include "c2am/ops/reduction.hpp"

namespace c2am {

namespace {

Tensor make_view(const Tensor& base, Shape shape, Strides strides, std::int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(impl);
}

// Reshape is a view of dense tensors and a copy otherwise (a strided tensor
// could sometimes be viewed too, but the copy is always right and rarely hot).
class ReshapeBackward : public autograd::Node {
 public:
  explicit ReshapeBackward(Shape input_shape) : input_shape_(std::move(input_shape)) {}
  std::vector<Tensor> apply(const Tensor& grad) override { return {grad.reshape(input_shape_)}; }
  const char* name() const override { return "ReshapeBackward"; }

 private:
  Shape input_shape_;
};

class PermuteBackward : public autograd::Node {
 public:
  explicit PermuteBackward(std::vector<std::int64_t> dims) : inverse_(dims.size()) {
    for (std::size_t i = 0; i < dims.size(); ++i) inverse_[dims[i]] = static_cast<std::int64_t>(i);
  }
  std::vector<Tensor> apply(const Tensor& grad) override { return {grad.permute(inverse_)}; }
  const char* name() const override { return "PermuteBackward"; }

 private:
  std::vector<std::int64_t> inverse_;
};

class NarrowBackward : public autograd::Node {
 public:
  NarrowBackward(Shape input_shape, std::int64_t dim, std::int64_t start)
      : input_shape_(std::move(input_shape)), dim_(dim), start_(start) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    Tensor full = zeros(input_shape_, grad.options());
    full.narrow(dim_, start_, grad.shape()[dim_]).copy_(grad);
    return {full};
  }
  const char* name() const override { return "NarrowBackward"; }

 private:
  Shape input_shape_;
  std::int64_t dim_, start_;
};

class ExpandBackward : public autograd::Node {
 public:
  explicit ExpandBackward(Shape input_shape) : input_shape_(std::move(input_shape)) {}
  std::vector<Tensor> apply(const Tensor& grad) override { return {sum_to_shape(grad, input_shape_)}; }
  const char* name() const override { return "ExpandBackward"; }

 private:
  Shape input_shape_;
};

}  // namespace

Tensor Tensor::reshape(Shape new_shape) const {
  std::int64_t inferred = -1;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < new_shape.size(); ++i) {
    if (new_shape[i] == -1) {
      check(inferred < 0, "reshape", "more than one -1 in ", shape_str(new_shape));
      inferred = static_cast<std::int64_t>(i);
    } else {
      check(new_shape[i] >= 0, "reshape", "negative size in ", shape_str(new_shape));
      known *= new_shape[i];
    }
  }
  if (inferred >= 0) {
    C2AM_CHECK(known != 0 && numel() % known == 0, "reshape", "cannot infer -1 in ", shape_str(new_shape), " for ",
          describe());
    new_shape[inferred] = numel() / known;
  }
  C2AM_CHECK(numel_of(new_shape) == numel(), "reshape", "cannot reshape ", describe(), " to ", shape_str(new_shape));
  if (new_shape == shape()) return *this;
  Tensor out = is_contiguous() ? make_view(*this, new_shape, contiguous_strides(new_shape), offset())
                               : contiguous().detach().reshape(new_shape);
  return autograd::record<ReshapeBackward>(out, {*this}, shape());
}

Tensor Tensor::permute(const std::vector<std::int64_t>& dims) const {
  C2AM_CHECK(static_cast<std::int64_t>(dims.size()) == dim(), "permute", dims.size(), " dimensions given for ",
        describe());
  std::vector<std::int64_t> wrapped(dims.size());
  std::vector<bool> seen(dims.size(), false);
  Shape shape_out(dims.size());
  Strides strides_out(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) {
    wrapped[i] = wrap_dim(dims[i], dim(), "permute");
    check(!seen[wrapped[i]], "permute", "dimension ", dims[i], " repeated");
    seen[wrapped[i]] = true;
    shape_out[i] = shape()[wrapped[i]];
    strides_out[i] = strides()[wrapped[i]];
  }
  Tensor out = make_view(*this, shape_out, strides_out, offset());
  return autograd::record<PermuteBackward>(out, {*this}, wrapped);
}

Tensor Tensor::transpose(std::int64_t a, std::int64_t b) const {
  std::vector<std::int64_t> dims(dim());
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[wrap_dim(a, dim(), "transpose")], dims[wrap_dim(b, dim(), "transpose")]);
  return permute(dims);
}

Tensor Tensor::narrow(std::int64_t d, std::int64_t start, std::int64_t length) const {
  d = wrap_dim(d, dim(), "narrow");
  check(start >= 0 && length >= 0 && start + length <= shape()[d], "narrow", "range [", start, ", ",
        start + length, ") out of bounds for dimension ", d, " of ", describe());
  Shape shape_out = shape();
  shape_out[d] = length;
  Tensor out = make_view(*this, shape_out, strides(), offset() + start * strides()[d]);
  return autograd::record<NarrowBackward>(out, {*this}, shape(), d, start);
}

Tensor Tensor::expand(const Shape& target) const {
  C2AM_CHECK(target.size() >= shape().size(), "expand", "cannot expand ", describe(), " to fewer dimensions ",
        shape_str(target));
  const std::size_t lead = target.size() - shape().size();
  Strides strides_out(target.size(), 0);
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (i < lead) continue;
    const std::int64_t have = shape()[i - lead];
    C2AM_CHECK(have == target[i] || have == 1, "expand", "cannot expand ", describe(), " to ", shape_str(target));
    strides_out[i] = have == target[i] ? strides()[i - lead] : 0;
  }
  if (target == shape()) return *this;
  Tensor out = make_view(*this, target, strides_out, offset());
  return autograd::record<ExpandBackward>(out, {*this}, shape());
}

Tensor Tensor::unsqueeze(std::int64_t d) const {
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape s = shape();
  s.insert(s.begin() + d, 1);
  return reshape(s);
}

Tensor Tensor::squeeze(std::int64_t d) const {
  d = wrap_dim(d, dim(), "squeeze");
  C2AM_CHECK(shape()[d] == 1, "squeeze", "dimension ", d, " of ", describe(), " is not of size 1");
  Shape s = shape();
  s.erase(s.begin() + d);
  return reshape(s);
}

}  // namespace c2am
