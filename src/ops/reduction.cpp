// Reductions: the reduced dimensions are moved to the end and the tensor is
// viewed as [kept elements, reduced elements], so one row kernel serves all.

#include "c2am/ops/reduction.hpp"

#include <algorithm>

#include "c2am/autograd/node.hpp"
#include "c2am/ops/elementwise.hpp"
#include "backend/cuda_ops.hpp"
#include "cpu/kernels.hpp"
#include "ops/op_checks.hpp"

namespace c2am {

namespace {

struct ReductionPlan {
  std::vector<std::int64_t> permutation;  // kept dims, then reduced dims
  Shape permuted_shape;
  Shape keepdim_shape;  // reduced dims set to 1
  Shape output_shape;   // as requested by keepdim
  std::int64_t rows = 1, length = 1;
};

ReductionPlan plan_reduction(const Tensor& x, const std::vector<std::int64_t>& dims_in, bool keepdim, const char* op) {
  const std::int64_t rank = x.dim();
  std::vector<bool> reduced(rank, dims_in.empty());
  for (auto d : dims_in) {
    const std::int64_t w = wrap_dim(d, rank, op);
    check(!reduced[w] || dims_in.empty(), op, "dimension ", d, " listed twice");
    reduced[w] = true;
  }
  ReductionPlan plan;
  for (std::int64_t d = 0; d < rank; ++d) {
    if (!reduced[d]) plan.permutation.push_back(d);
  }
  for (std::int64_t d = 0; d < rank; ++d) {
    if (reduced[d]) plan.permutation.push_back(d);
  }
  for (std::int64_t d = 0; d < rank; ++d) {
    plan.permuted_shape.push_back(x.shape()[plan.permutation[d]]);
    plan.keepdim_shape.push_back(reduced[d] ? 1 : x.shape()[d]);
    if (reduced[d]) {
      plan.length *= x.shape()[d];
    } else {
      plan.rows *= x.shape()[d];
    }
    if (!reduced[d] || keepdim) plan.output_shape.push_back(reduced[d] ? 1 : x.shape()[d]);
  }
  return plan;
}

// x as the [rows, length] matrix of the plan (a copy unless already laid out so).
Tensor as_rows(const Tensor& x, const ReductionPlan& plan) {
  return x.detach().permute(plan.permutation).contiguous().reshape({plan.rows, plan.length});
}

class SumBackward : public autograd::Node {
 public:
  SumBackward(Shape input_shape, Shape keepdim_shape)
      : input_shape_(std::move(input_shape)), keepdim_shape_(std::move(keepdim_shape)) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    return {grad.reshape(keepdim_shape_).expand(input_shape_)};
  }
  const char* name() const override { return "SumBackward"; }

 private:
  Shape input_shape_, keepdim_shape_;
};

class MaxBackward : public autograd::Node {
 public:
  MaxBackward(ReductionPlan plan, Tensor argmax) : plan_(std::move(plan)), argmax_(std::move(argmax)) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    const Tensor flat = grad.reshape({plan_.rows});
    Tensor rows = grad.device().is_cuda() ? cuda::ops::scatter_rows(flat, argmax_, plan_.length)
                                          : cpu::scatter_rows(flat, argmax_, plan_.length);
    std::vector<std::int64_t> inverse(plan_.permutation.size());
    for (std::size_t i = 0; i < inverse.size(); ++i) inverse[plan_.permutation[i]] = static_cast<std::int64_t>(i);
    return {rows.reshape(plan_.permuted_shape).permute(inverse)};
  }
  const char* name() const override { return "MaxBackward"; }
  void release() override { argmax_ = Tensor(); }

 private:
  ReductionPlan plan_;
  Tensor argmax_;  // int64 positions, not a saved input: nothing can modify it
};

}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  ops::require_compatible("sum", {&x});

  const ReductionPlan plan = plan_reduction(x, dims, keepdim, "sum");
  const Tensor rows = as_rows(x, plan);
  Tensor out = (x.device().is_cuda() ? cuda::ops::sum_rows(rows) : cpu::sum_rows(rows)).reshape(plan.output_shape);
  return autograd::record<SumBackward>(out, {x}, x.shape(), plan.keepdim_shape);
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  const ReductionPlan plan = plan_reduction(x, dims, keepdim, "mean");
  C2AM_CHECK(plan.length > 0, "mean", "mean over zero elements of ", x.describe());
  return affine(sum(x, dims, keepdim), 1.0 / static_cast<double>(plan.length), 0.0);
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

Tensor max(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  ops::require_compatible("max", {&x});

  ReductionPlan plan = plan_reduction(x, dims, keepdim, "max");
  C2AM_CHECK(plan.length > 0, "max", "maximum over zero elements of ", x.describe());
  Tensor argmax;
  const Tensor rows = as_rows(x, plan);
  Tensor out = (x.device().is_cuda() ? cuda::ops::max_rows(rows, argmax) : cpu::max_rows(rows, argmax))
                   .reshape(plan.output_shape);
  return autograd::record<MaxBackward>(out, {x}, std::move(plan), argmax);
}

Tensor max(const Tensor& x) { return max(x, {}, false); }

Tensor sum_to_shape(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  C2AM_CHECK(x.dim() >= static_cast<std::int64_t>(shape.size()), "sum_to_shape", "cannot sum ", x.describe(), " to ",
        shape_str(shape));
  const std::int64_t lead = x.dim() - static_cast<std::int64_t>(shape.size());
  std::vector<std::int64_t> dims;
  for (std::int64_t d = 0; d < x.dim(); ++d) {
    if (d < lead) {
      dims.push_back(d);
      continue;
    }
    const std::int64_t target = shape[d - lead];
    C2AM_CHECK(target == x.shape()[d] || target == 1, "sum_to_shape", "cannot sum ", x.describe(), " to ",
          shape_str(shape));
    if (target == 1 && x.shape()[d] != 1) dims.push_back(d);
  }
  if (dims.empty()) return x.reshape(shape);
  return sum(x, dims, true).reshape(shape);
}

}  // namespace c2am
