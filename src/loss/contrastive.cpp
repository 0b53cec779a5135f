#include "c2am/loss/contrastive.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/ops/ops.hpp"
#include "cpu/kernels.hpp"
#include "loss/input_checks.hpp"

namespace c2am {

namespace {

void require_embeddings(const char* op, const Tensor& t, const char* what) {
  check(t.defined(), op, what, " is undefined");
  C2AM_CHECK(t.dim() == 2 && t.size(0) >= 1 && t.size(1) >= 1, op, what, " must be a non-empty N×C matrix, got ",
        t.describe());
}

}  // namespace

void loss_detail::require_loss_inputs(const char* op, const Tensor& fg, const Tensor& bg) {
  require_embeddings(op, fg, "fg");
  require_embeddings(op, bg, "bg");
  C2AM_CHECK(fg.shape() == bg.shape() && fg.dtype() == bg.dtype() && fg.device() == bg.device(), op, "fg ",
        fg.describe(), " and bg ", bg.describe(), " must have the same shape, dtype and device");
}

Tensor clamped_cosine_similarity(const Tensor& a, const Tensor& b) {
  require_embeddings("clamped_cosine_similarity", a, "a");
  require_embeddings("clamped_cosine_similarity", b, "b");
  C2AM_CHECK(a.size(1) == b.size(1), "clamped_cosine_similarity", "embedding sizes differ: ", a.describe(), " and ",
        b.describe());
  const Tensor an = normalize(a, 1);
  const Tensor bn = &a == &b ? an : normalize(b, 1);
  return clamp(matmul(an, bn.transpose(0, 1)), kSimilarityFloor, kSimilarityCeil);
}

Tensor rank_weights(const Tensor& similarity, double alpha, const Tensor& columns) {
  C2AM_CHECK(similarity.dim() == 2, "rank_weights", "expected an N×M matrix, got ", similarity.describe());
  check(std::isfinite(alpha), "rank_weights", "alpha must be finite, got ", alpha);
  NoGradGuard no_grad;
  const std::int64_t rows = similarity.size(0), cols = similarity.size(1);
  std::vector<std::int32_t> representative(static_cast<std::size_t>(cols));
  std::iota(representative.begin(), representative.end(), 0);
  if (columns.defined()) {
    C2AM_CHECK(columns.dim() == 2 && columns.size(0) == cols, "rank_weights", "columns must be a ", cols,
          "×C matrix (one embedding per column of ", similarity.describe(), "), got ", columns.describe());
    representative = cpu::duplicate_representatives(columns.detach().to(Device::cpu()));
  }
  const std::vector<double> s = similarity.detach().to(Device::cpu()).to_vector<double>();
  std::vector<double> weights(s.size());
  std::vector<std::int64_t> order(static_cast<std::size_t>(cols));
  for (std::int64_t i = 0; i < rows; ++i) {
    const double* row = s.data() + i * cols;
    const auto key = [&](std::int64_t column) { return row[representative[column]]; };
    std::iota(order.begin(), order.end(), 0);
    // Stable: equal keys keep column order, so ties go to the lower index.
    std::stable_sort(order.begin(), order.end(), [&key](std::int64_t x, std::int64_t y) { return key(x) > key(y); });
    for (std::int64_t position = 0; position < cols; ++position) {
      const double rank = static_cast<double>(position) - 1.0;
      weights[static_cast<std::size_t>(i * cols + order[position])] = std::exp(-alpha * rank);
    }
  }
  return from_vector<double>(weights, {rows, cols}, similarity.dtype()).to(similarity.device());
}

Tensor sim_max(const Tensor& a, double alpha) {
  const Tensor s = clamped_cosine_similarity(a, a);
  // The release also zeroes negative losses; −log S ≥ −log 0.9995 > 0 after
  // the clamp, so that step never changes anything and is left out.
  return mean(rank_weights(s, alpha, a) * neg(log(s)));
}

Tensor sim_min(const Tensor& a, const Tensor& b) {
  const Tensor s = clamped_cosine_similarity(a, b);
  return mean(neg(log(1.0 - s)));
}

ContrastiveLossTerms contrastive_loss(const Tensor& fg, const Tensor& bg, double alpha, LossPath path) {
  loss_detail::require_loss_inputs("contrastive_loss", fg, bg);
  if (path == LossPath::automatic)
    path = fg.device().is_cuda() && fg.dtype() == DType::Float32 ? LossPath::fused : LossPath::composed;
  ContrastiveLossTerms terms;
  if (path == LossPath::fused) {
    const Tensor all = fused_contrastive_terms(fg, bg, alpha);
    terms.bg_bg = all.narrow(0, 0, 1).reshape({});
    terms.bg_fg = all.narrow(0, 1, 1).reshape({});
    terms.fg_fg = all.narrow(0, 2, 1).reshape({});
    // One reduction: its backward hands the fused node its gradient in one piece.
    terms.total = sum(all);
    return terms;
  }
  terms.bg_bg = sim_max(bg, alpha);
  terms.bg_fg = sim_min(bg, fg);
  terms.fg_fg = sim_max(fg, alpha);
  terms.total = terms.bg_bg + terms.bg_fg + terms.fg_fg;
  return terms;
}

const char* loss_path_name(LossPath path) {
  switch (path) {
    case LossPath::automatic: return "automatic";
    case LossPath::composed: return "composed";
    case LossPath::fused: return "fused";
  }
  return "?";
}

LossPath parse_loss_path(const std::string& text) {
  for (LossPath p : {LossPath::automatic, LossPath::composed, LossPath::fused})
    if (text == loss_path_name(p)) return p;
  throw Error("contrastive_loss: unknown loss path '" + text + "' (automatic, composed or fused)");
}

}  // namespace c2am
