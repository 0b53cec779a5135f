// cv2.resize(map, (width, height), interpolation=cv2.INTER_CUBIC) on a
// float64 map, operation for operation, as wsolevaluation upsamples its
// score maps (SPEC §4): per axis, the source position of destination d is
// float((d + 0.5) · (1 / (dst / src)) − 0.5) — rounded to float32 — split
// into s = ⌊f⌋ and the fraction; the four weights (Keys' cubic with
// A = −0.75) are computed in float32, the last as 1 − the other three; the
// taps s−1 … s+2 are clamped to the edge; the sums run in float64, left to
// right, along rows first, then down the columns, without fused
// multiply-adds. Equal sizes are a copy. Checked bit for bit against
// OpenCV 4.5–5.0 (tests/data/opencv/resize_cubic.json).

#include <cmath>
#include <vector>

#include "c2am/core/error.hpp"
#include "c2am/wsol/boxes.hpp"

namespace c2am::wsol {

namespace {

struct Taps {
  int index[4] = {0, 0, 0, 0};  // s − 1 … s + 2 clamped to the edge
  float weight[4] = {0, 0, 0, 0};
};

int clamp_index(int i, int size) { return i < 0 ? 0 : (i >= size ? size - 1 : i); }

void cubic_weights(float x, float* w) {
  constexpr float A = -0.75f;
  w[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
  w[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
  w[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
  w[3] = 1.f - w[0] - w[1] - w[2];
}

std::vector<Taps> axis_taps(int source, int destination) {
  const double inverse_scale = static_cast<double>(destination) / source;
  const double scale = 1.0 / inverse_scale;
  std::vector<Taps> taps(static_cast<std::size_t>(destination));
  for (int d = 0; d < destination; ++d) {
    float f = static_cast<float>((d + 0.5) * scale - 0.5);
    const int s = static_cast<int>(std::floor(f));
    f -= static_cast<float>(s);
    for (int k = 0; k < 4; ++k) taps[d].index[k] = clamp_index(s - 1 + k, source);
    cubic_weights(f, taps[d].weight);
  }
  return taps;
}

// One output row of the vertical pass: ((r0·b0 + r1·b1) + r2·b2) + r3·b3.
// The rows never alias the output (restrict lets the compiler vectorize).
void column_pass_row(const double* __restrict r0, const double* __restrict r1, const double* __restrict r2,
                     const double* __restrict r3, const float* weight, double* __restrict dst, int width) {
  const double b0 = weight[0], b1 = weight[1], b2 = weight[2], b3 = weight[3];
  for (int x = 0; x < width; ++x) {
    const double p0 = r0[x] * b0, p1 = r1[x] * b1, p2 = r2[x] * b2, p3 = r3[x] * b3;
    dst[x] = ((p0 + p1) + p2) + p3;
  }
}

}  // namespace

ScoreMap64 resize_bicubic(const ScoreMap64& map, int width, int height) {
  check(map.width >= 1 && map.height >= 1 &&
            map.values.size() == static_cast<std::size_t>(map.width) * map.height,
        "resize_bicubic", "invalid ", map.width, "x", map.height, " map with ", map.values.size(), " values");
  check(width >= 1 && height >= 1, "resize_bicubic", "target ", width, "x", height, " is empty");
  if (width == map.width && height == map.height) return map;
  const std::vector<Taps> xt = axis_taps(map.width, width), yt = axis_taps(map.height, height);

  // Rows first: every source row resampled to the new width.
  std::vector<double> rows(static_cast<std::size_t>(map.height) * width);
  for (int y = 0; y < map.height; ++y) {
    const double* src = map.values.data() + static_cast<std::size_t>(y) * map.width;
    double* dst = rows.data() + static_cast<std::size_t>(y) * width;
    for (int x = 0; x < width; ++x) {
      const Taps& t = xt[x];
      const double p0 = src[t.index[0]] * static_cast<double>(t.weight[0]);
      const double p1 = src[t.index[1]] * static_cast<double>(t.weight[1]);
      const double p2 = src[t.index[2]] * static_cast<double>(t.weight[2]);
      const double p3 = src[t.index[3]] * static_cast<double>(t.weight[3]);
      dst[x] = ((p0 + p1) + p2) + p3;
    }
  }
  // Then down the columns.
  ScoreMap64 out{width, height, std::vector<double>(static_cast<std::size_t>(width) * height)};
  for (int y = 0; y < height; ++y) {
    const Taps& t = yt[y];
    const double* r[4];
    for (int k = 0; k < 4; ++k) r[k] = rows.data() + static_cast<std::size_t>(t.index[k]) * width;
    column_pass_row(r[0], r[1], r[2], r[3], t.weight, out.values.data() + static_cast<std::size_t>(y) * width, width);
  }
  return out;
}

}  // namespace c2am::wsol
