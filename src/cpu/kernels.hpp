#pragma once
// CPU kernels: the reference implementation of every op. The ops layer
// (src/ops/) validates arguments, dispatches here for CPU tensors and records
// autograd nodes; kernels assume validated inputs. Kernels accept strided
// inputs unless they say "contiguous", and always return dense outputs.

#include <cstdint>
#include <vector>

#include "c2am/core/tensor.hpp"
#include "c2am/ops/conv.hpp"
#include "c2am/ops/normalization.hpp"
#include "c2am/ops/pooling.hpp"

namespace c2am::cpu {

// --- copies -----------------------------------------------------------------
// dst = src elementwise (same shape), converting between numeric dtypes.
void copy(const Tensor& src, const Tensor& dst);
void fill(const Tensor& dst, double value);

// --- elementwise ------------------------------------------------------------
enum class UnaryOp { Neg, Exp, Log, Sqrt, Sigmoid, Relu, Pow, Affine, Clamp };
// Constants of the parametrised ops: Pow (a = exponent), Affine (a*x + b),
// Clamp (a = low, b = high).
struct UnaryArgs {
  double a = 0.0;
  double b = 0.0;
};
Tensor unary(UnaryOp op, const Tensor& x, UnaryArgs args);
// grad * d(op)/dx, given the op's input x and output y.
Tensor unary_backward(UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y, UnaryArgs args);

enum class BinaryOp { Add, Sub, Mul, Div };
// Broadcasting a (op) b.
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);

// --- reductions over the last dimension of a contiguous [rows, length] -------
Tensor sum_rows(const Tensor& x);
// Row maxima and (in `argmax`, int64) the first position of each.
Tensor max_rows(const Tensor& x, Tensor& argmax);
// [rows, length] with grad[r] at argmax[r] and zeros elsewhere.
Tensor scatter_rows(const Tensor& grad, const Tensor& argmax, std::int64_t length);

// --- matrix products ----------------------------------------------------------
// Row-major C = alpha * op(A) * op(B) + beta * C, op = transpose when trans_*.
template <typename T>
void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
          std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc);
// a: [B, M, K], b: [B, K, N] (each matrix row-major or transposed in memory).
Tensor batched_matmul(const Tensor& a, const Tensor& b);

// --- convolution ------------------------------------------------------------
Tensor conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p);
struct Conv2dGrads {
  Tensor input, weight, bias;
};
Conv2dGrads conv2d_backward(const Tensor& grad, const Tensor& x, const Tensor& weight, const Conv2dParams& p,
                            bool need_input, bool need_weight, bool need_bias);

// --- pooling ----------------------------------------------------------------
// `indices` receives, per output element, the flat h*W + w of the chosen input.
Tensor max_pool2d_forward(const Tensor& x, const Pool2dParams& p, Tensor& indices);
Tensor max_pool2d_backward(const Tensor& grad, const Tensor& indices, const Shape& input_shape);
Tensor avg_pool2d_forward(const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_backward(const Tensor& grad, const Shape& input_shape, const Pool2dParams& p);
Tensor adaptive_avg_pool2d_forward(const Tensor& x, std::int64_t out_h, std::int64_t out_w);
Tensor adaptive_avg_pool2d_backward(const Tensor& grad, const Shape& input_shape);

// --- normalization ----------------------------------------------------------
struct BatchNormForward {
  Tensor output;
  Tensor mean;    // [C], the statistics used to normalize
  Tensor invstd;  // [C], 1 / sqrt(var + eps)
};
BatchNormForward batch_norm2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                      const Tensor& running_mean, const Tensor& running_var,
                                      const BatchNormParams& p);
struct BatchNormGrads {
  Tensor input, weight, bias;
};
// `eps` is the forward's (oneDNN takes the variance back from invstd).
BatchNormGrads batch_norm2d_backward(const Tensor& grad, const Tensor& x, const Tensor& weight, const Tensor& mean,
                                     const Tensor& invstd, bool training, double eps);

// Rows of a contiguous [rows, length] divided by max(norm, eps); `norms` gets
// the row norms.
Tensor normalize_rows_forward(const Tensor& x, double eps, Tensor& norms);
Tensor normalize_rows_backward(const Tensor& grad, const Tensor& y, const Tensor& norms, double eps);

// --- fused contrastive loss (src/cpu/contrastive_loss.cpp) -----------------------
// The three stages of the fused loss around its two matrix products, in the
// layout of kernels/contrastive_loss_math.cuh (X = [bg; fg], 2N×C).
// X' = [bg; fg] with each row r multiplied by its scale s_r (1, or a power of
// two for rows whose Gram entries would overflow; contrastive_loss_math.cuh).
// With `statistics`, also the row norms ‖x'_r‖ (accumulated in double), the
// scales, and each row's duplicate representative.
struct PackedEmbeddings {
  Tensor x;                // 2N×C, the dtype of bg
  Tensor norms;            // 2N, same dtype
  Tensor scales;           // 2N, same dtype
  Tensor representatives;  // 2N int32: the first row of the same block equal to row r (r itself if none)
};
PackedEmbeddings pack_embeddings(const Tensor& bg, const Tensor& fg, bool statistics);
// For each row of a dense rows×C matrix: the first row whose entries all
// compare equal to its own (0 equals −0, NaN equals nothing); itself if none.
std::vector<std::int32_t> duplicate_representatives(const Tensor& rows);
struct ContrastiveForward {
  Tensor terms;         // [3]: SimMax(bg), SimMin(bg, fg), SimMax(fg)
  Tensor coefficients;  // G, 2N×2N: ∂term/∂cos per entry (see the layout)
};
// From K = X'·X'ᵀ, the norms and the representatives: ranks (duplicates tie),
// rank weights, clamps, the three means.
ContrastiveForward contrastive_forward(const Tensor& gram, const Tensor& norms, const Tensor& representatives,
                                       double alpha);
// P (2N×2N) with ∂L/∂X = P·X', where L = Σ_t grad_terms[t]·term_t; includes
// the clamp rule, the Jacobian of the row normalization and the row scales.
Tensor contrastive_backward_coefficients(const Tensor& coefficients, const Tensor& gram, const Tensor& norms,
                                         const Tensor& scales, const Tensor& grad_terms);

// --- resize -------------------------------------------------------------------
Tensor resize_bilinear_forward(const Tensor& x, std::int64_t out_h, std::int64_t out_w);
Tensor resize_bilinear_backward(const Tensor& grad, std::int64_t in_h, std::int64_t in_w);

}  // namespace c2am::cpu
