#include "wsss/permutohedral.hpp"

#include <cmath>
#include <unordered_map>

#include "c2am/core/error.hpp"

namespace c2am::wsss {

namespace {

// Lattice keys: the first d coordinates of a vertex (the last follows).
struct KeyHash {
  std::size_t operator()(const std::vector<std::int16_t>& key) const {
    std::size_t h = 0;
    for (std::int16_t k : key) h = h * 2531011 + static_cast<std::uint16_t>(k);
    return h;
  }
};

}  // namespace

PermutohedralLattice::PermutohedralLattice(const std::vector<float>& features, int n, int d) : n_(n), d_(d) {
  check(d >= 1 && d <= 16 && n >= 1 && features.size() == static_cast<std::size_t>(n) * d, "PermutohedralLattice",
        "bad feature array (", features.size(), " values for ", n, " points of dimension ", d, ")");
  std::unordered_map<std::vector<std::int16_t>, int, KeyHash> index;
  std::vector<std::vector<std::int16_t>> keys;
  offset_.resize(static_cast<std::size_t>(n) * (d + 1));
  barycentric_.resize(static_cast<std::size_t>(n) * (d + 1));

  // The canonical simplex and the scale making the blur a unit Gaussian.
  std::vector<int> canonical(static_cast<std::size_t>((d + 1) * (d + 1)));
  for (int i = 0; i <= d; ++i) {
    for (int j = 0; j <= d - i; ++j) canonical[i * (d + 1) + j] = i;
    for (int j = d - i + 1; j <= d; ++j) canonical[i * (d + 1) + j] = i - (d + 1);
  }
  const float inv_std_dev = std::sqrt(2.0f / 3.0f) * static_cast<float>(d + 1);
  std::vector<float> scale(static_cast<std::size_t>(d));
  for (int i = 0; i < d; ++i) scale[i] = 1.0f / std::sqrt(static_cast<float>((i + 2) * (i + 1))) * inv_std_dev;

  std::vector<float> elevated(d + 1), rem0(d + 1), bary(d + 2);
  std::vector<int> rank(d + 1);
  std::vector<std::int16_t> key(d);
  const float down = 1.0f / static_cast<float>(d + 1), up = static_cast<float>(d + 1);
  for (int k = 0; k < n; ++k) {
    const float* f = &features[static_cast<std::size_t>(k) * d];
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
      const float hi = std::ceil(v) * up, lo = std::floor(v) * up;
      rem0[i] = (hi - elevated[i] < elevated[i] - lo) ? hi : lo;
      sum += static_cast<int>(rem0[i] * down);
    }
    std::fill(rank.begin(), rank.end(), 0);
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
    std::fill(bary.begin(), bary.end(), 0.0f);
    for (int i = 0; i <= d; ++i) {
      const float v = (elevated[i] - rem0[i]) * down;
      bary[d - rank[i]] += v;
      bary[d - rank[i] + 1] -= v;
    }
    bary[0] += 1.0f + bary[d + 1];
    // The d+1 vertices of the simplex.
    for (int r = 0; r <= d; ++r) {
      for (int i = 0; i < d; ++i) key[i] = static_cast<std::int16_t>(rem0[i] + static_cast<float>(canonical[r * (d + 1) + rank[i]]));
      auto [it, inserted] = index.emplace(key, static_cast<int>(keys.size()));
      if (inserted) keys.push_back(key);
      offset_[static_cast<std::size_t>(k) * (d + 1) + r] = it->second;
      barycentric_[static_cast<std::size_t>(k) * (d + 1) + r] = bary[r];
    }
  }
  vertices_ = static_cast<int>(keys.size());
  // Neighbours of every vertex along each lattice axis.
  neighbour_low_.assign(static_cast<std::size_t>(d + 1) * vertices_, -1);
  neighbour_high_.assign(static_cast<std::size_t>(d + 1) * vertices_, -1);
  std::vector<std::int16_t> n1(d), n2(d);
  for (int j = 0; j <= d; ++j) {
    for (int v = 0; v < vertices_; ++v) {
      const auto& kv = keys[v];
      for (int i = 0; i < d; ++i) n1[i] = static_cast<std::int16_t>(kv[i] - 1), n2[i] = static_cast<std::int16_t>(kv[i] + 1);
      if (j < d) n1[j] = static_cast<std::int16_t>(kv[j] + d), n2[j] = static_cast<std::int16_t>(kv[j] - d);
      const auto a = index.find(n1), b = index.find(n2);
      neighbour_low_[static_cast<std::size_t>(j) * vertices_ + v] = a == index.end() ? -1 : a->second;
      neighbour_high_[static_cast<std::size_t>(j) * vertices_ + v] = b == index.end() ? -1 : b->second;
    }
  }
}

void PermutohedralLattice::filter(const float* in, float* out, int value_size) const {
  const std::size_t vs = static_cast<std::size_t>(value_size);
  // Slot 0 stands for "no neighbour" and stays zero.
  std::vector<float> values((static_cast<std::size_t>(vertices_) + 1) * vs, 0.0f), blurred(values.size(), 0.0f);
  for (int i = 0; i < n_; ++i)
    for (int j = 0; j <= d_; ++j) {
      const std::size_t o = static_cast<std::size_t>(offset_[static_cast<std::size_t>(i) * (d_ + 1) + j] + 1);
      const float w = barycentric_[static_cast<std::size_t>(i) * (d_ + 1) + j];
      for (std::size_t k = 0; k < vs; ++k) values[o * vs + k] += w * in[static_cast<std::size_t>(i) * vs + k];
    }
  for (int j = 0; j <= d_; ++j) {
    for (int v = 0; v < vertices_; ++v) {
      const std::size_t self = static_cast<std::size_t>(v + 1);
      const std::size_t a = static_cast<std::size_t>(neighbour_low_[static_cast<std::size_t>(j) * vertices_ + v] + 1);
      const std::size_t b = static_cast<std::size_t>(neighbour_high_[static_cast<std::size_t>(j) * vertices_ + v] + 1);
      for (std::size_t k = 0; k < vs; ++k)
        blurred[self * vs + k] = values[self * vs + k] + 0.5f * (values[a * vs + k] + values[b * vs + k]);
    }
    std::swap(values, blurred);
  }
  const float alpha = 1.0f / (1.0f + std::pow(2.0f, -static_cast<float>(d_)));
  for (int i = 0; i < n_; ++i) {
    float* o = out + static_cast<std::size_t>(i) * vs;
    std::fill(o, o + vs, 0.0f);
    for (int j = 0; j <= d_; ++j) {
      const std::size_t v = static_cast<std::size_t>(offset_[static_cast<std::size_t>(i) * (d_ + 1) + j] + 1);
      const float w = barycentric_[static_cast<std::size_t>(i) * (d_ + 1) + j] * alpha;
      for (std::size_t k = 0; k < vs; ++k) o[k] += w * values[v * vs + k];
    }
  }
}

}  // namespace c2am::wsss
