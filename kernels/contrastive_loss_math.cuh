#pragma once
// The per-entry formulas of the fused contrastive loss (SPEC §2), shared by
// the CPU implementation (src/cpu/contrastive_loss.cpp) and the CUDA kernels
// (kernels/contrastive_loss.cu), so that both follow one definition.
//
// Layout used by both: the embeddings are packed into X = [bg; fg], a
// 2N×C matrix; its Gram matrix K = X·Xᵀ (2N×2N) holds every dot product the
// three terms need. With d_r = max(‖x_r‖, kNormFloor), cos_rc = K_rc/(d_r d_c).
// Blocks of K and of the per-entry coefficient matrix G (∂term/∂cos):
//
//            columns 0..N-1 (bg)         columns N..2N-1 (fg)
//   bg rows  SimMax(bg)  (rank-weighted)  SimMin(bg, fg)
//   fg rows  SimMin, transposed           SimMax(fg)  (rank-weighted)
//
// The transposed SimMin block of G is zero: the backward pass adds G and Gᵀ
// in the SimMax blocks and reads each SimMin entry once from either side.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "host_device.cuh"

namespace c2am::contrastive {

inline constexpr double kFloor = 0.0005;  // clamp bounds of the similarities,
inline constexpr double kCeil = 0.9995;   // rounded once to the working type
inline constexpr double kNormFloor = 1e-12;   // x̂ = x / max(‖x‖, kNormFloor)

// log and exp with the right overload on either side (float stays float).
template <typename T>
C2AM_HOST_DEVICE inline T log_of(T x) {
#if defined(__CUDA_ARCH__)
  return log(x);
#else
  return std::log(x);
#endif
}
C2AM_HOST_DEVICE inline double exp_of(double x) {
#if defined(__CUDA_ARCH__)
  return exp(x);
#else
  return std::exp(x);
#endif
}

// Which loss term an entry (r, c) of the 2N×2N layout belongs to.
enum Term : int { kBgBg = 0, kBgFg = 1, kFgFg = 2 };

C2AM_HOST_DEVICE inline int term_of(std::int64_t r, std::int64_t c, std::int64_t n) {
  const bool bg_row = r < n, bg_col = c < n;
  return bg_row && bg_col ? kBgBg : (!bg_row && !bg_col ? kFgFg : kBgFg);
}

// A similarity after the clamp, and whether the gradient passes (it does at
// the bounds themselves and is blocked beyond them, as the composed clamp).
template <typename T>
struct Clamped {
  T value;
  bool passes;
};

template <typename T>
C2AM_HOST_DEVICE inline Clamped<T> clamp_similarity(T cosine) {
  const T lo = static_cast<T>(kFloor), hi = static_cast<T>(kCeil);
  if (cosine < lo) return {lo, false};
  if (cosine > hi) return {hi, false};
  return {cosine, cosine == cosine};  // NaN passes nothing
}

// Rank weight exp(−alpha·(position − 1)), computed in double as the CPU
// reference does and rounded once.
template <typename T>
C2AM_HOST_DEVICE inline T rank_weight(double alpha, std::int64_t position) {
  return static_cast<T>(exp_of(-alpha * (static_cast<double>(position) - 1.0)));
}

// SimMax entry: its contribution w·(−log S) to the sum and ∂(mean)/∂cos.
template <typename T>
C2AM_HOST_DEVICE inline T sim_max_entry(Clamped<T> s, T weight) {
  return weight * -log_of(s.value);
}
template <typename T>
C2AM_HOST_DEVICE inline T sim_max_coefficient(Clamped<T> s, T weight, T inv_count) {
  return s.passes ? -weight * inv_count / s.value : T(0);
}

// SimMin entry: −log(1 − S) and its ∂(mean)/∂cos.
template <typename T>
C2AM_HOST_DEVICE inline T sim_min_entry(Clamped<T> s) {
  return -log_of(T(1) - s.value);
}
template <typename T>
C2AM_HOST_DEVICE inline T sim_min_coefficient(Clamped<T> s, T inv_count) {
  return s.passes ? inv_count / (T(1) - s.value) : T(0);
}

// A 64-bit sort key: ascending keys list a row's similarities in descending
// order, equal values by ascending column (the documented tie rule).
C2AM_HOST_DEVICE inline std::uint64_t descending_key(float value, std::uint32_t column) {
  std::uint32_t bits;
#if defined(__CUDA_ARCH__)
  bits = __float_as_uint(value);
#else
  std::memcpy(&bits, &value, sizeof bits);
#endif
  // Map float order onto unsigned order, then reverse it.
  const std::uint32_t ascending = (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
  return (static_cast<std::uint64_t>(~ascending) << 32) | column;
}
C2AM_HOST_DEVICE inline std::uint32_t key_column(std::uint64_t key) { return static_cast<std::uint32_t>(key); }
// Pads a sort to a power of two; sorts after every real key.
inline constexpr std::uint64_t kPaddingKey = ~std::uint64_t{0};

// --- rows too large for the Gram product ---------------------------------------
// K = X·Xᵀ of raw rows overflows when |x| is near the square root of the
// type's largest value (~1.8e19 in float32), although the cosines are
// finite. A row whose largest |entry| is above 2^kScaleExponent<T> is packed
// multiplied by a power of two s_r that brings that entry into [0.5, 1):
// exact, cosines unchanged, and with C < 2^27 no entry of K can overflow.
// The gradient is ∂L/∂x_r = s_r·∂L/∂x'_r. Other rows keep s_r = 1 (and their
// bits). Non-finite rows are left alone: they make the loss NaN, as they do
// in the composed path.
template <typename T>
inline constexpr int kScaleExponent = std::numeric_limits<T>::max_exponent / 2 - 14;  // 50, 498

template <typename T>
C2AM_HOST_DEVICE inline T row_scale(T max_abs) {
  int exponent = 0;
#if defined(__CUDA_ARCH__)
  if (!isfinite(max_abs) || !(max_abs > ldexp(T(1), kScaleExponent<T>))) return T(1);
  frexp(max_abs, &exponent);  // max_abs = m·2^exponent, m in [0.5, 1)
  return ldexp(T(1), -exponent);
#else
  if (!std::isfinite(max_abs) || !(max_abs > std::ldexp(T(1), kScaleExponent<T>))) return T(1);
  std::frexp(max_abs, &exponent);
  return std::ldexp(T(1), -exponent);
#endif
}

// --- exact duplicates rank as ties ----------------------------------------------
// Two rows with equal entries have equal similarities with every row in exact
// arithmetic, but a matrix product may round them differently by their
// position, which would let rounding noise decide their order. So each column
// is ranked by the similarity of its representative: the first row of its
// block (bg rows, or fg rows) whose entries all compare equal to its own (0
// equals −0; NaN equals nothing). Equal values then fall to the tie rule (lower
// column first). Candidates are found through a row hash, a sum of per-entry
// hashes (order-free, so a GPU block may add them in any order), and
// confirmed entry by entry.
C2AM_HOST_DEVICE inline std::uint64_t mix64(std::uint64_t z) {  // splitmix64's finalizer
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

template <typename T>
C2AM_HOST_DEVICE inline std::uint64_t entry_hash(T value, std::int64_t index) {
  const double v = value == T(0) ? 0.0 : static_cast<double>(value);  // −0 hashes as 0
  std::uint64_t bits;
#if defined(__CUDA_ARCH__)
  bits = static_cast<std::uint64_t>(__double_as_longlong(v));
#else
  std::memcpy(&bits, &v, sizeof bits);
#endif
  return mix64(bits ^ mix64(static_cast<std::uint64_t>(index) + 0x9e3779b97f4a7c15ull));
}

}  // namespace c2am::contrastive
