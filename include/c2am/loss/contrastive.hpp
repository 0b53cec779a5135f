#pragma once
// The C²AM rank-weighted contrastive loss (SPEC §2), composed from
// differentiable ops. It works on any device whose ops exist and is the
// reference the fused CUDA kernels are checked against.
//
// Embeddings are N×C matrices (one row per image). Cosine similarities are
// clamped into [kSimilarityFloor, kSimilarityCeil]; the clamp passes the
// gradient at the bounds and blocks it beyond them.

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
Tensor rank_weights(const Tensor& similarity, double alpha);

// Pull together: mean over all N² entries of rank_weights(S) · (−log S),
// S = clamped_cosine_similarity(a, a), diagonal included.
Tensor sim_max(const Tensor& a, double alpha);

// Push apart: mean over all N×M entries of −log(1 − S), S = clamped
// cosine similarity of a and b.
Tensor sim_min(const Tensor& a, const Tensor& b);

struct ContrastiveLossTerms {
  Tensor total;  // bg_bg + bg_fg + fg_fg
  Tensor bg_bg;  // sim_max(bg)
  Tensor bg_fg;  // sim_min(bg, fg)
  Tensor fg_fg;  // sim_max(fg)
};

// The C²AM objective L = SimMax(bg) + SimMin(bg, fg) + SimMax(fg) with the
// three terms kept apart for logging. fg and bg: N×C, same dtype and
// device. alpha: 0.05 in the CUB recipe, 0.25 in the ImageNet and VOC ones.
ContrastiveLossTerms contrastive_loss(const Tensor& fg, const Tensor& bg, double alpha);

}  // namespace c2am
