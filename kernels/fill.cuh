#pragma once
// fill: dst[i] = value for i < count. One thread per element, grid-stride
// loop; coalesced stores. Host-callable launcher, usable from plain C++.

#include <cuda_runtime_api.h>

#include <cstdint>

#include "c2am/core/dtype.hpp"

namespace c2am::cuda::detail {

// Queues the fill on `stream`; returns the launch status.
cudaError_t launch_fill(void* dst, DType dtype, std::int64_t count, double value, cudaStream_t stream);

}  // namespace c2am::cuda::detail
