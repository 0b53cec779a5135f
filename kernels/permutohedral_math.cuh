#pragma once
// The per-point and per-vertex formulas of the permutohedral lattice (Adams,
// Baek, Davis 2010, constructed as the reference dense-CRF code does),
// shared by the CPU lattice (src/wsss/permutohedral.cpp) and the GPU one
// (kernels/dense_crf.cu).

#include <cmath>
#include <cstdint>

#include "host_device.cuh"

namespace c2am::lattice {

// The scales that make the lattice blur a unit Gaussian: scale[i], i < d.
C2AM_HOST_DEVICE inline void blur_scales(int d, float* scale) {
  const float inv_std_dev = sqrtf(2.0f / 3.0f) * static_cast<float>(d + 1);
  for (int i = 0; i < d; ++i) scale[i] = 1.0f / sqrtf(static_cast<float>((i + 2) * (i + 1))) * inv_std_dev;
}

// The simplex enclosing feature vector f (d values): the first d
// coordinates of each of its d+1 vertices (keys: (d+1) × d) and the point's
// barycentric weights (d+1). MaxD bounds d for the scratch arrays. Returns
// false when a coordinate does not fit 16 bits (features too large for the
// kernel's σ); keys are then unusable.
template <int MaxD>
C2AM_HOST_DEVICE bool locate_simplex(int d, const float* f, const float* scale, std::int16_t* keys, float* weights) {
  float elevated[MaxD + 1], rem0[MaxD + 1], bary[MaxD + 2];
  int rank[MaxD + 1];
  const float down = 1.0f / static_cast<float>(d + 1), up = static_cast<float>(d + 1);
  // Elevate onto the hyperplane x·1 = 0.
  float sm = 0;
  for (int j = d; j > 0; --j) {
    const float cf = f[j - 1] * scale[j - 1];
    elevated[j] = sm - static_cast<float>(j) * cf;
    sm += cf;
  }
  elevated[0] = sm;
  // The closest remainder-0 point, then the simplex through the ranks.
  int sum = 0;
  for (int i = 0; i <= d; ++i) {
    const float v = down * elevated[i];
    const float hi = ceilf(v) * up, lo = floorf(v) * up;
    rem0[i] = (hi - elevated[i] < elevated[i] - lo) ? hi : lo;
    sum += static_cast<int>(rem0[i] * down);
    rank[i] = 0;
  }
  for (int i = 0; i < d; ++i) {
    const double di = elevated[i] - rem0[i];
    for (int j = i + 1; j <= d; ++j) {
      if (di < elevated[j] - rem0[j]) ++rank[i];
      else ++rank[j];
    }
  }
  for (int i = 0; i <= d; ++i) {
    rank[i] += sum;
    if (rank[i] < 0) rank[i] += d + 1, rem0[i] += static_cast<float>(d + 1);
    else if (rank[i] > d) rank[i] -= d + 1, rem0[i] -= static_cast<float>(d + 1);
  }
  for (int i = 0; i <= d + 1; ++i) bary[i] = 0.0f;
  for (int i = 0; i <= d; ++i) {
    const float v = (elevated[i] - rem0[i]) * down;
    bary[d - rank[i]] += v;
    bary[d - rank[i] + 1] -= v;
  }
  bary[0] += 1.0f + bary[d + 1];
  // Vertex r of the simplex: rem0 plus the canonical simplex's vertex r,
  // whose coordinate i is r where rank[i] ≤ d − r and r − (d+1) elsewhere.
  bool fits = true;
  for (int r = 0; r <= d; ++r) {
    std::int16_t* key = keys + r * d;
    for (int i = 0; i < d; ++i) {
      const int canonical = rank[i] <= d - r ? r : r - (d + 1);
      const float coordinate = rem0[i] + static_cast<float>(canonical);
      fits = fits && coordinate >= -32768.0f && coordinate <= 32767.0f;
      key[i] = fits ? static_cast<std::int16_t>(coordinate) : std::int16_t{0};
    }
    weights[r] = bary[r];
  }
  return fits;
}

// The two neighbours of a vertex along lattice axis j (0 … d).
C2AM_HOST_DEVICE inline void neighbour_keys(int d, int j, const std::int16_t* key, std::int16_t* low,
                                            std::int16_t* high) {
  for (int i = 0; i < d; ++i) low[i] = static_cast<std::int16_t>(key[i] - 1), high[i] = static_cast<std::int16_t>(key[i] + 1);
  if (j < d) low[j] = static_cast<std::int16_t>(key[j] + d), high[j] = static_cast<std::int16_t>(key[j] - d);
}

// Keys packed into 64 bits for sorting: 64/d bits per coordinate, biased so
// that unsigned order is the lexicographic order of the coordinates.
// Returns false when a coordinate does not fit.
C2AM_HOST_DEVICE inline bool pack_key(int d, const std::int16_t* key, std::uint64_t& packed) {
  const int bits = d <= 4 ? 16 : 64 / d;
  const std::int64_t bias = std::int64_t{1} << (bits - 1);
  packed = 0;
  for (int i = 0; i < d; ++i) {
    const std::int64_t biased = static_cast<std::int64_t>(key[i]) + bias;
    if (biased < 0 || biased >= 2 * bias) return false;
    packed = (packed << bits) | static_cast<std::uint64_t>(biased);
  }
  return true;
}

C2AM_HOST_DEVICE inline void unpack_key(int d, std::uint64_t packed, std::int16_t* key) {
  const int bits = d <= 4 ? 16 : 64 / d;
  const std::int64_t bias = std::int64_t{1} << (bits - 1);
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  for (int i = d - 1; i >= 0; --i, packed >>= bits)
    key[i] = static_cast<std::int16_t>(static_cast<std::int64_t>(packed & mask) - bias);
}

}  // namespace c2am::lattice
