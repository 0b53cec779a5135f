#pragma once
// Row reductions of a dense [rows, length] array: one block per row, a fixed
// tree order (results do not change from run to run), float32 summed in
// double as on the CPU. Host-callable launchers queue work on `stream`.

#include <cuda_runtime_api.h>

#include <cstdint>

#include "c2am/core/dtype.hpp"

namespace c2am::cuda::detail {

cudaError_t launch_sum_rows(DType dtype, const void* in, void* out, std::int64_t rows, std::int64_t length,
                            cudaStream_t stream);
// Row maxima and the first position of each (int64).
cudaError_t launch_max_rows(DType dtype, const void* in, void* out, std::int64_t* argmax, std::int64_t rows,
                            std::int64_t length, cudaStream_t stream);
// out ([rows, length], already zero) gets grad[r] at argmax[r] of each row.
cudaError_t launch_scatter_rows(DType dtype, const void* grad, const std::int64_t* argmax, void* out,
                                std::int64_t rows, std::int64_t length, cudaStream_t stream);

}  // namespace c2am::cuda::detail
