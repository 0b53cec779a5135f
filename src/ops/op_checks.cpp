#include "ops/op_checks.hpp"

namespace c2am::ops {

void require_compatible(const char* op, std::initializer_list<const Tensor*> tensors) {
  const Tensor* first = nullptr;
  for (const Tensor* t : tensors) {
    if (!t->defined()) continue;
    C2AM_CHECK(is_compute_type(t->dtype()), op, "expected a float32 or float64 tensor, got ", t->describe());
    if (!first) {
      first = t;
      continue;
    }
    C2AM_CHECK(t->device() == first->device() && t->dtype() == first->dtype(), op, "tensors differ in device or dtype: ",
          first->describe(), " and ", t->describe());
  }
}

void require_rank(const char* op, const Tensor& t, std::int64_t rank, const char* what) {
  C2AM_CHECK(t.dim() == rank, op, what, " must have ", rank, " dimensions, got ", t.describe());
}

bool runs_on_cpu(const char* op, const Tensor& t) {
  C2AM_CHECK(t.device().is_cpu(), op, "has no CUDA kernel in this version (tensor ", t.describe(),
        "); move the tensor to the CPU with .to(c2am::Device::cpu())");
  return true;
}

}  // namespace c2am::ops
