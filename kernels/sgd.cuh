#pragma once
// The SGD update of one parameter in one pass (torch.optim.SGD, dampening 0):
// d = g + wd·p; buf = first ? d : momentum·buf + d (when momentum > 0);
// p −= lr·(nesterov ? d + momentum·buf : buf, or d without momentum).

#include <cuda_runtime_api.h>

#include <cstdint>

#include "c2am/core/dtype.hpp"

namespace c2am::cuda::detail {

struct SgdStep {
  double lr = 0, weight_decay = 0, momentum = 0;
  bool nesterov = false;
  bool first = false;  // the momentum buffer is uninitialized
};

// param, grad and buffer are dense arrays of `count` elements of `dtype`;
// buffer may be null when momentum is 0.
cudaError_t launch_sgd_update(DType dtype, void* param, const void* grad, void* buffer, std::int64_t count,
                              const SgdStep& step, cudaStream_t stream);

}  // namespace c2am::cuda::detail
