#pragma once
// The C²AM rank-weighted contrastive loss (SPEC §2), in two implementations:
//
// - composed from differentiable ops (normalize, matmul, clamp, log, mean):
//   works on any device and dtype and is the reference;
// - fused: the per-entry work (clamp, logs, per-row ranks and weights, the
//   three means, the gradient coefficients) in one pass over the N×N
//   similarities around one Gram product and, backward, one product with the
//   embeddings; only N×N-sized state is kept for backward. CPU (float32 and
//   float64) and CUDA (float32) implementations share one set of formulas.
//
// Embeddings are N×C matrices (one row per image). Cosine similarities are
// clamped into [kSimilarityFloor, kSimilarityCeil]; the clamp passes the
// gradient at the bounds and blocks it beyond them.

#include <string>

#include "c2am/core/tensor.hpp"

namespace c2am {

inline constexpr double kSimilarityFloor = 0.0005;
inline constexpr double kSimilarityCeil = 0.9995;

// clamp(â_i · b̂_j) for rows normalized with max(‖x‖₂, 1e-12): N×M.
Tensor clamped_cosine_similarity(const Tensor& a, const Tensor& b);

// exp(−alpha · rank_ij) where rank_ij is the 0-based position of s_ij in row
// i sorted in descending order, minus one (the row's largest entry gets
// rank −1). Ties go to the lower column index first. A constant: no
// gradient flows through it.
//
// `columns` (optional, M×C): the embeddings the similarity's columns come
// from. Then columns whose embeddings are equal entry by entry (0 equals −0;
// NaN equals nothing) rank as ties, whatever the rounding of their similarities: each column is
// ranked by the similarity of the first column equal to it. Two equal
// embeddings have equal similarities in exact arithmetic, but a matrix
// product may round them differently by position; without this, rounding
// noise would decide their order. The loss passes the embeddings, on both
// paths.
Tensor rank_weights(const Tensor& similarity, double alpha, const Tensor& columns = Tensor());

// Pull together: mean over all N² entries of rank_weights(S, alpha, a) ·
// (−log S), S = clamped_cosine_similarity(a, a), diagonal included.
Tensor sim_max(const Tensor& a, double alpha);

// Push apart: mean over all N×M entries of −log(1 − S), S = clamped
// cosine similarity of a and b.
Tensor sim_min(const Tensor& a, const Tensor& b);

// [SimMax(bg), SimMin(bg, fg), SimMax(fg)] from the fused implementation, as
// one differentiable tensor of 3 elements. Ties in the ranks go to the lower
// column and equal embeddings tie, as in rank_weights. Rows with entries
// above 2^50 in float32 (2^498 in float64) are scaled by a power of two
// before the Gram product, so finite inputs never overflow it. On CUDA, N ≤ 16384 and float32; with TF32
// allowed (c2am::cuda::set_allow_tf32) the Gram product runs on tensor cores.
// Deterministic: every sum has a fixed order, and cuBLAS gives the same bits
// run to run on one GPU model.
Tensor fused_contrastive_terms(const Tensor& fg, const Tensor& bg, double alpha);

// Which implementation contrastive_loss uses. `automatic`: fused for float32
// on a GPU, composed otherwise (on the CPU the composed path stays the
// reference that training reproduces bit for bit).
enum class LossPath { automatic, composed, fused };

struct ContrastiveLossTerms {
  Tensor total;  // bg_bg + bg_fg + fg_fg
  Tensor bg_bg;  // sim_max(bg)
  Tensor bg_fg;  // sim_min(bg, fg)
  Tensor fg_fg;  // sim_max(fg)
};

// The C²AM objective L = SimMax(bg) + SimMin(bg, fg) + SimMax(fg) with the
// three terms kept apart for logging. fg and bg: N×C, same dtype and
// device. alpha: 0.05 in the CUB recipe, 0.25 in the ImageNet and VOC ones.
ContrastiveLossTerms contrastive_loss(const Tensor& fg, const Tensor& bg, double alpha,
                                      LossPath path = LossPath::automatic);

// "automatic", "composed" or "fused"; parse_loss_path throws on other text.
const char* loss_path_name(LossPath path);
LossPath parse_loss_path(const std::string& text);

}  // namespace c2am
