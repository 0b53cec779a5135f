#include "c2am/wsol/box_crops.hpp"

#include <algorithm>
#include <cmath>

#include "c2am/core/error.hpp"

namespace c2am::wsol {

namespace {

// Python's int(round(x)): halves go to the even neighbour.
int round_half_even(double x) { return static_cast<int>(std::nearbyint(x)); }

// compute_intersec then normalize_intersec for crop (x, y, w, h).
template <typename B>
Box64 clip_to_crop(const B& box, const CropBox& c) {
  const double x0 = std::max<double>(c.x, box.x0), y0 = std::max<double>(c.y, box.y0);
  const double x1 = std::min<double>(c.x + c.width, box.x1), y1 = std::min<double>(c.y + c.height, box.y1);
  return {(x0 - c.x) / c.width, (y0 - c.y) / c.height, (x1 - c.x) / c.width, (y1 - c.y) / c.height};
}

// random.randint(low, high): both ends included.
int uniform_int(int low, int high, Generator& gen) {
  return low + static_cast<int>(gen.below(static_cast<std::uint64_t>(high - low + 1)));
}

}  // namespace

BoxCrop random_resized_box_crop(int width, int height, const Box& box, Generator& gen,
                                const RandomBoxCropOptions& o) {
  check(width >= 1 && height >= 1, "random_resized_box_crop", "image of ", width, "x", height, " pixels");
  check(0 < o.min_scale && o.min_scale <= o.max_scale && 0 < o.min_ratio && o.min_ratio <= o.max_ratio,
        "random_resized_box_crop", "scale and ratio ranges must be positive (min, max) pairs");
  const double area = static_cast<double>(width) * height;
  for (int attempt = 0; attempt < o.attempts; ++attempt) {
    const double target_area = gen.uniform(o.min_scale, o.max_scale) * area;
    const double ratio = std::exp(gen.uniform(std::log(o.min_ratio), std::log(o.max_ratio)));
    const int w = round_half_even(std::sqrt(target_area * ratio));
    const int h = round_half_even(std::sqrt(target_area / ratio));
    if (w < 1 || h < 1 || w > width || h > height) continue;
    // The release draws the row before the column.
    const int y = uniform_int(0, height - h, gen);
    const int x = uniform_int(0, width - w, gen);
    const CropBox crop{x, y, w, h};
    const double ix0 = std::max<double>(x, box.x0), ix1 = std::min<double>(x + w, box.x1);
    const double iy0 = std::max<double>(y, box.y0), iy1 = std::min<double>(y + h, box.y1);
    if (ix1 - ix0 > 0 && iy1 - iy0 > 0) return {crop, clip_to_crop(box, crop)};
  }
  // The fallback: the whole image, or its central crop at the nearest allowed ratio.
  const double in_ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (in_ratio < o.min_ratio) {
    h = round_half_even(w / o.min_ratio);
  } else if (in_ratio > o.max_ratio) {
    w = round_half_even(h * o.max_ratio);
  }
  const CropBox crop{(width - w) / 2, (height - h) / 2, w, h};
  return {crop, clip_to_crop(box, crop)};
}

Box64 hflip(const Box64& b) { return {1 - b.x1, b.y0, 1 - b.x0, b.y1}; }

Box64 ground_truth_in_eval_crop(const Box& box, int width, int height, int resize, int crop) {
  check(width >= 1 && height >= 1 && crop >= 1 && crop <= resize, "ground_truth_in_eval_crop", "image ", width,
        "x", height, ", resize ", resize, ", crop ", crop);
  const double rate_w = static_cast<double>(resize) / width, rate_h = static_cast<double>(resize) / height;
  const Box64 resized{box.x0 * rate_w, box.y0 * rate_h, box.x1 * rate_w, box.y1 * rate_h};
  const int offset = round_half_even((resize - crop) / 2.0);
  const Box64 n = clip_to_crop(resized, {offset, offset, crop, crop});
  return {n.x0 * crop, n.y0 * crop, n.x1 * crop, n.y1 * crop};
}

Box box_in_original(const Box64& b, int width, int height, int resize, int crop) {
  const int offset = round_half_even((resize - crop) / 2.0);
  const double sx = static_cast<double>(width) / resize, sy = static_cast<double>(height) / resize;
  Box out;
  out.x0 = static_cast<float>((b.x0 + offset) * sx), out.x1 = static_cast<float>((b.x1 + offset) * sx);
  out.y0 = static_cast<float>((b.y0 + offset) * sy), out.y1 = static_cast<float>((b.y1 + offset) * sy);
  return out;
}

Box64 regressed_box_in_crop(const RegressionTarget& t, int crop) {
  return {t.x * crop, t.y * crop, t.w * crop + t.x * crop, t.h * crop + t.y * crop};
}

double psol_iou(const Box64& a, const Box64& b) {
  const auto area = [](double x0, double y0, double x1, double y1) {
    return std::max(0.0, x1 - x0) * std::max(0.0, y1 - y0);
  };
  const double inter = area(std::max(a.x0, b.x0), std::max(a.y0, b.y0),
                            std::min(a.x1, b.x1), std::min(a.y1, b.y1));
  const double uni = area(a.x0, a.y0, a.x1, a.y1) + area(b.x0, b.y0, b.x1, b.y1) - inter;
  return uni > 0 ? inter / uni : 0.0;
}

}  // namespace c2am::wsol
