#pragma once
// Argument checks shared by the ops. Each throws c2am::Error naming the op
// and describing the offending tensors (dtype, shape, device).

#include <initializer_list>

#include "c2am/core/tensor.hpp"

namespace c2am::ops {

// All defined tensors must share device and dtype, and have a compute dtype.
void require_compatible(const char* op, std::initializer_list<const Tensor*> tensors);
void require_rank(const char* op, const Tensor& t, std::int64_t rank, const char* what);
// True when the (compatible) tensors live on the CPU. Ops whose CUDA kernels
// do not exist yet throw here, naming the op and the tensor.
bool runs_on_cpu(const char* op, const Tensor& t);

}  // namespace c2am::ops
