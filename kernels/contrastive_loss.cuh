#pragma once
// The fused contrastive loss on the GPU (float32): the three kernels around
// the two cuBLAS products, in the layout of contrastive_loss_math.cuh.
//
//   pack            X' = [bg; fg] (2N×C), rows scaled      one block per row
//                   where K would overflow; ‖x'_r‖, s_r,
//                   duplicate representatives            one thread per row
//   forward         ranks, weights, clamps, logs, G,      one block per row,
//                   the three means                       last block sums
//   backward        P (2N×2N) with ∂X = P·X                one block per 32 rows
//
// Every sum runs in a fixed order (warp shuffles in a fixed pattern, then
// warps in index order; the row totals by one block in row order), so the
// results are the same bits run to run.

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace c2am::cuda::detail {

// bg and fg: dense N×C; packed: 2N×C (X'). The statistics, all 2N long or
// all null to skip them: norms ‖x'_r‖, scales s_r, hashes (scratch) and
// representatives (indices of packed rows).
cudaError_t launch_contrastive_pack(const float* bg, const float* fg, std::int64_t n, std::int64_t c, float* packed,
                                    float* norms, float* scales, unsigned long long* hashes, int* representatives,
                                    cudaStream_t stream);

// Dynamic shared memory the forward kernel needs for N rows (the sort keys
// of one row padded to a power of two, and its weights).
std::size_t contrastive_forward_shared_bytes(std::int64_t n);

// gram: K (2N×2N); representatives: 2N; coefficients: G (2N×2N, written);
// row_sums: 4N doubles of scratch; terms: 3 floats; ticket: one unsigned int
// that is 0 before the launch.
cudaError_t launch_contrastive_forward(const float* gram, const float* norms, const int* representatives,
                                       std::int64_t n, double alpha, float* coefficients, double* row_sums,
                                       float* terms, unsigned* ticket, cudaStream_t stream);

// scales: s_r (2N); grad_terms: the 3 terms' gradients (device); p: 2N×2N,
// written, with ∂L/∂X = P·X'.
cudaError_t launch_contrastive_backward(const float* coefficients, const float* gram, const float* norms,
                                        const float* scales, const float* grad_terms, std::int64_t n, float* p,
                                        cudaStream_t stream);

}  // namespace c2am::cuda::detail
