// The fused contrastive loss on the CPU: the same three stages as the CUDA
// kernels (kernels/contrastive_loss.cu), entry formulas shared through
// kernels/contrastive_loss_math.cuh. Rows are independent, so each stage
// runs one row per OpenMP iteration and sums in a fixed order.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <vector>

#include "c2am/loss/contrastive.hpp"
#include "contrastive_loss_math.cuh"
#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"

namespace c2am::cpu {

namespace cl = contrastive;

static_assert(cl::kFloor == kSimilarityFloor && cl::kCeil == kSimilarityCeil);

namespace {

template <typename T>
T clamped_norm(T norm) {
  return std::max(norm, static_cast<T>(cl::kNormFloor));
}

}  // namespace

std::vector<std::int32_t> duplicate_representatives(const Tensor& rows_in) {
  const Tensor rows = rows_in.contiguous();
  const std::int64_t n = rows.size(0), c = rows.size(1);
  C2AM_CHECK(n <= INT32_MAX, "contrastive_loss", "too many rows: ", rows.describe());
  std::vector<std::int32_t> out(static_cast<std::size_t>(n));
  dispatch_floating(rows.dtype(), "contrastive_loss", [&](auto tag) {
    using T = decltype(tag);
    const T* x = rows.data<T>();
    std::vector<std::uint64_t> hashes(static_cast<std::size_t>(n), 0);
    for (std::int64_t r = 0; r < n; ++r)
      for (std::int64_t i = 0; i < c; ++i) hashes[r] += cl::entry_hash(x[r * c + i], i);
    const auto equal = [&](std::int64_t a, std::int64_t b) {
      for (std::int64_t i = 0; i < c; ++i)
        if (!(x[a * c + i] == x[b * c + i])) return false;
      return true;
    };
    // Each row's candidates are the earlier rows with its hash (as the GPU
    // kernel scans them), confirmed entry by entry.
    std::unordered_map<std::uint64_t, std::vector<std::int64_t>> seen;
    for (std::int64_t r = 0; r < n; ++r) {
      std::vector<std::int64_t>& candidates = seen[hashes[r]];
      out[r] = static_cast<std::int32_t>(r);
      for (std::int64_t other : candidates) {
        if (equal(other, r)) {
          out[r] = static_cast<std::int32_t>(other);
          break;
        }
      }
      candidates.push_back(r);
    }
  });
  return out;
}

PackedEmbeddings pack_embeddings(const Tensor& bg_in, const Tensor& fg_in, bool statistics) {
  const Tensor bg = bg_in.contiguous(), fg = fg_in.contiguous();
  const std::int64_t n = bg.size(0), c = bg.size(1);
  PackedEmbeddings out;
  out.x = empty({2 * n, c}, bg.options());
  out.norms = empty({2 * n}, bg.options());
  out.scales = empty({2 * n}, bg.options());
  dispatch_floating(bg.dtype(), "contrastive_loss", [&](auto tag) {
    using T = decltype(tag);
    T* x = out.x.data<T>();
    T* norms = out.norms.data<T>();
    T* scales = out.scales.data<T>();
    for (std::int64_t r = 0; r < 2 * n; ++r) {
      const T* src = r < n ? bg.data<T>() + r * c : fg.data<T>() + (r - n) * c;
      T max_abs = T(0);  // NaN when the row holds one (then the row keeps scale 1)
      for (std::int64_t i = 0; i < c && !std::isnan(max_abs); ++i)
        if (!(std::abs(src[i]) <= max_abs)) max_abs = std::abs(src[i]);
      const T scale = cl::row_scale(max_abs);
      double squares = 0.0;
      for (std::int64_t i = 0; i < c; ++i) {
        const T v = scale == T(1) ? src[i] : src[i] * scale;
        x[r * c + i] = v;
        squares += static_cast<double>(v) * v;
      }
      norms[r] = static_cast<T>(std::sqrt(squares));
      scales[r] = scale;
    }
  });
  if (statistics) {
    // Representatives as indices of the packed rows, within each block.
    std::vector<std::int32_t> reps = duplicate_representatives(bg);
    const std::vector<std::int32_t> fg_reps = duplicate_representatives(fg);
    for (std::int32_t r : fg_reps) reps.push_back(static_cast<std::int32_t>(r + n));
    out.representatives = from_vector<std::int32_t>(reps, {2 * n}, DType::Int32);
  }
  return out;
}

ContrastiveForward contrastive_forward(const Tensor& gram_in, const Tensor& norms_in, const Tensor& representatives,
                                       double alpha) {
  const Tensor gram = gram_in.contiguous(), norms = norms_in.contiguous();
  const std::int32_t* rep = representatives.contiguous().data<std::int32_t>();
  const std::int64_t rows = gram.size(0), n = rows / 2;
  ContrastiveForward out;
  out.coefficients = empty({rows, rows}, gram.options());
  out.terms = empty({3}, gram.options());
  dispatch_floating(gram.dtype(), "contrastive_loss", [&](auto tag) {
    using T = decltype(tag);
    const T* k = gram.data<T>();
    const T* norm = norms.data<T>();
    T* g = out.coefficients.data<T>();
    const T inv_count = T(1) / static_cast<T>(n * n);
    std::vector<double> sim_max_rows(static_cast<std::size_t>(rows)), sim_min_rows(static_cast<std::size_t>(rows));
#pragma omp parallel
    {
      std::vector<cl::Clamped<T>> s(static_cast<std::size_t>(n));
      std::vector<T> key(static_cast<std::size_t>(n));
      std::vector<std::int64_t> order(static_cast<std::size_t>(n));
#pragma omp for schedule(static)
      for (std::int64_t r = 0; r < rows; ++r) {
        const bool bg_row = r < n;
        const std::int64_t own = bg_row ? 0 : n, other = bg_row ? n : 0;
        const T dr = clamped_norm(norm[r]);
        const T* kr = k + r * rows;
        T* gr = g + r * rows;
        const auto similarity = [&](std::int64_t column) {
          return cl::clamp_similarity<T>(kr[column] / (dr * clamped_norm(norm[column])));
        };
        for (std::int64_t c = 0; c < n; ++c) {
          s[c] = similarity(own + c);
          key[c] = rep[own + c] == own + c ? s[c].value : similarity(rep[own + c]).value;
        }
        // Ranked by the representatives' similarities; stable: equal keys keep
        // column order (ties to the lower index).
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&key](std::int64_t x, std::int64_t y) { return key[x] > key[y]; });
        double max_sum = 0.0;
        for (std::int64_t position = 0; position < n; ++position) {
          const std::int64_t c = order[position];
          const T w = cl::rank_weight<T>(alpha, position);
          max_sum += cl::sim_max_entry(s[c], w);
          gr[own + c] = cl::sim_max_coefficient(s[c], w, inv_count);
        }
        double min_sum = 0.0;
        for (std::int64_t c = 0; c < n; ++c) {
          if (!bg_row) {
            gr[other + c] = T(0);  // the transposed SimMin block (see the layout)
            continue;
          }
          const auto sc = cl::clamp_similarity<T>(kr[other + c] / (dr * clamped_norm(norm[other + c])));
          min_sum += cl::sim_min_entry(sc);
          gr[other + c] = cl::sim_min_coefficient(sc, inv_count);
        }
        sim_max_rows[r] = max_sum;
        sim_min_rows[r] = min_sum;
      }
    }
    const auto total = [&](std::int64_t first, const std::vector<double>& v) {
      double sum = 0.0;
      for (std::int64_t r = first; r < first + n; ++r) sum += v[r];
      return static_cast<T>(sum / static_cast<double>(n * n));
    };
    T* terms = out.terms.data<T>();
    terms[cl::kBgBg] = total(0, sim_max_rows);
    terms[cl::kBgFg] = total(0, sim_min_rows);
    terms[cl::kFgFg] = total(n, sim_max_rows);
  });
  return out;
}

Tensor contrastive_backward_coefficients(const Tensor& coefficients_in, const Tensor& gram_in, const Tensor& norms_in,
                                         const Tensor& scales_in, const Tensor& grad_terms) {
  const Tensor coefficients = coefficients_in.contiguous(), gram = gram_in.contiguous(), norms = norms_in.contiguous();
  const Tensor scales = scales_in.contiguous();
  const std::int64_t rows = gram.size(0), n = rows / 2;
  Tensor p = empty({rows, rows}, gram.options());
  dispatch_floating(gram.dtype(), "contrastive_loss_backward", [&](auto tag) {
    using T = decltype(tag);
    const Tensor grad = grad_terms.contiguous();
    const T* gt = grad.data<T>();
    const T* g = coefficients.data<T>();
    const T* k = gram.data<T>();
    const T* norm = norms.data<T>();
    const T* scale = scales.data<T>();
    T* out = p.data<T>();
#pragma omp parallel for schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
      const T dr = clamped_norm(norm[r]);
      // ∂L/∂x̂_r = Σ_c m_rc x̂_c; its radial part Σ_c m_rc cos_rc is removed
      // by the normalization's Jacobian (I − x̂ x̂ᵀ)/‖x‖.
      double radial = 0.0;
      for (std::int64_t c = 0; c < rows; ++c) {
        const T scale = dr * clamped_norm(norm[c]);
        const T m = gt[cl::term_of(r, c, n)] * (g[r * rows + c] + g[c * rows + r]);
        radial += static_cast<double>(m) * (k[r * rows + c] / scale);
        out[r * rows + c] = m / scale;
      }
      // Below the norm floor the denominator is a constant: no radial part.
      if (norm[r] >= static_cast<T>(cl::kNormFloor)) out[r * rows + r] -= static_cast<T>(radial) / (dr * dr);
      // ∂L/∂x_r = s_r·∂L/∂x'_r (a scaled row; s_r = 1 almost always).
      if (scale[r] != T(1))
        for (std::int64_t c = 0; c < rows; ++c) out[r * rows + c] *= scale[r];
    }
  });
  return p;
}

}  // namespace c2am::cpu
