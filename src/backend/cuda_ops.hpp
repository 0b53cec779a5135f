#pragma once
// CUDA implementations of the elementwise and reduction kernels of the ops
// layer, with the same contracts as their CPU counterparts in cpu/kernels.hpp
// (strided inputs accepted, dense outputs). Implemented in src/cuda/ when
// CUDA is compiled in; src/cuda_stub/ throws otherwise.

#include <cstdint>
#include <vector>

#include "c2am/core/tensor.hpp"
#include "c2am/ops/conv.hpp"
#include "c2am/ops/normalization.hpp"
#include "c2am/ops/pooling.hpp"
#include "c2am/wsss/dense_crf.hpp"
#include "cpu/kernels.hpp"

namespace c2am::cuda::ops {

// dst = src elementwise, both on the same GPU in any layout (src may also
// broadcast to dst's shape), converting dtype.
void copy_strided(const Tensor& src, const Tensor& dst);
Tensor unary(cpu::UnaryOp op, const Tensor& x, cpu::UnaryArgs args);
Tensor unary_backward(cpu::UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y, cpu::UnaryArgs args);
Tensor binary(cpu::BinaryOp op, const Tensor& a, const Tensor& b);
Tensor sum_rows(const Tensor& x);
Tensor max_rows(const Tensor& x, Tensor& argmax);
Tensor scatter_rows(const Tensor& grad, const Tensor& argmax, std::int64_t length);
// a: [B, M, K], b: [B, K, N] (each matrix row-major or transposed in memory), via cuBLAS.
Tensor batched_matmul(const Tensor& a, const Tensor& b);

// One fused SGD update of a dense GPU parameter (torch.optim.SGD formulas).
// `buffer` is allocated (and initialized from this step) when undefined and
// momentum > 0.
void sgd_update(Tensor& param, const Tensor& grad, Tensor& buffer, double lr, double weight_decay, double momentum,
                bool nesterov);

// --- fused contrastive loss (src/cuda/contrastive_loss_ops.cpp) -------------------
// The GPU twins of cpu::pack_embeddings, cpu::contrastive_forward and
// cpu::contrastive_backward_coefficients (float32; N up to kMaxFusedRows).
inline constexpr std::int64_t kMaxFusedRows = 16384;
cpu::PackedEmbeddings pack_embeddings(const Tensor& bg, const Tensor& fg, bool statistics);
cpu::ContrastiveForward contrastive_forward(const Tensor& gram, const Tensor& norms, const Tensor& representatives,
                                            double alpha);
Tensor contrastive_backward_coefficients(const Tensor& coefficients, const Tensor& gram, const Tensor& norms,
                                         const Tensor& scales, const Tensor& grad_terms);

// --- dense CRF (src/cuda/dense_crf_ops.cpp) ---------------------------------------
// wsss::dense_crf_batch on GPU `device` (checked arguments).
std::vector<std::vector<float>> dense_crf_batch(const std::vector<wsss::CrfProblem>& problems, int labels,
                                                const wsss::PairwiseKernels& kernels, int iterations, int device);

// --- cuDNN (src/cuda/cudnn_ops.cpp) -------------------------------------------------
// Convolution without bias (the ops layer adds it); TF32 follows allow_tf32().
Tensor conv2d_forward(const Tensor& x, const Tensor& weight, const Conv2dParams& p, const Shape& out_shape);
Tensor conv2d_backward_input(const Tensor& grad, const Tensor& weight, const Conv2dParams& p, const Shape& x_shape);
Tensor conv2d_backward_weight(const Tensor& grad, const Tensor& x, const Conv2dParams& p, const Shape& w_shape);

struct BatchNormOutputs {
  Tensor output;
  Tensor mean, invstd;  // batch statistics (training mode only)
};
// Training updates running_mean/running_var in place (unbiased variance).
BatchNormOutputs batch_norm2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                      const Tensor& running_mean, const Tensor& running_var, const BatchNormParams& p);
struct BatchNormGradients {
  Tensor input, weight, bias;
};
BatchNormGradients batch_norm2d_backward_training(const Tensor& grad, const Tensor& x, const Tensor& weight,
                                                  const Tensor& mean, const Tensor& invstd, double eps);

// Max (deterministic) or average (padding counted) pooling.
Tensor pool2d_forward(bool is_max, const Tensor& x, const Pool2dParams& p, const Shape& out_shape);
Tensor pool2d_backward(bool is_max, const Tensor& grad, const Tensor& x, const Tensor& y, const Pool2dParams& p);

}  // namespace c2am::cuda::ops
