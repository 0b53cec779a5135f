#include "c2am/ops/shape_ops.hpp"

#include "c2am/autograd/node.hpp"
#include "ops/op_checks.hpp"

namespace c2am {

namespace {

class CatBackward : public autograd::Node {
 public:
  CatBackward(std::vector<std::int64_t> sizes, std::int64_t dim) : sizes_(std::move(sizes)), dim_(dim) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    std::vector<Tensor> grads;
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < sizes_.size(); ++i) {
      grads.push_back(edges[i] ? grad.narrow(dim_, offset, sizes_[i]) : Tensor());
      offset += sizes_[i];
    }
    return grads;
  }
  const char* name() const override { return "CatBackward"; }

 private:
  std::vector<std::int64_t> sizes_;
  std::int64_t dim_;
};

class FlipBackward : public autograd::Node {
 public:
  explicit FlipBackward(std::vector<std::int64_t> dims) : dims_(std::move(dims)) {}
  std::vector<Tensor> apply(const Tensor& grad) override { return {flip(grad, dims_)}; }
  const char* name() const override { return "FlipBackward"; }

 private:
  std::vector<std::int64_t> dims_;
};

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  check(!tensors.empty(), "cat", "needs at least one tensor");
  const Tensor& first = tensors.front();
  dim = wrap_dim(dim, first.dim(), "cat");
  Shape shape = first.shape();
  shape[dim] = 0;
  std::vector<std::int64_t> sizes;
  for (const Tensor& t : tensors) {
    ops::require_compatible("cat", {&first, &t});
    bool same = t.dim() == first.dim();
    for (std::int64_t d = 0; same && d < t.dim(); ++d) same = d == dim || t.shape()[d] == first.shape()[d];
    check(same, "cat", "shapes ", shape_str(first.shape()), " and ", shape_str(t.shape()),
          " differ outside dimension ", dim);
    sizes.push_back(t.shape()[dim]);
    shape[dim] += t.shape()[dim];
  }
  Tensor out = empty(shape, first.options());
  std::int64_t offset = 0;
  for (const Tensor& t : tensors) {
    out.narrow(dim, offset, t.shape()[dim]).copy_(t.detach());
    offset += t.shape()[dim];
  }
  return autograd::record<CatBackward>(out, tensors, sizes, dim);
}

Tensor flip(const Tensor& x, const std::vector<std::int64_t>& dims) {
  ops::require_compatible("flip", {&x});
  // A view with negative strides, then a dense copy of it.
  auto reversed = std::make_shared<TensorImpl>(*x.detach().impl());
  for (auto d : dims) {
    const std::int64_t w = wrap_dim(d, x.dim(), "flip");
    if (reversed->shape[w] > 1) {
      reversed->offset += (reversed->shape[w] - 1) * reversed->strides[w];
      reversed->strides[w] = -reversed->strides[w];
    }
  }
  Tensor out = Tensor(reversed).clone().detach();
  return autograd::record<FlipBackward>(out, {x}, dims);
}

}  // namespace c2am
