#include "c2am/wsol/boxes.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "c2am/core/error.hpp"

namespace c2am::wsol {

namespace {

void check_map(const ScoreMap& map, const char* op) {
  check(map.width >= 1 && map.height >= 1 && map.values.size() == static_cast<std::size_t>(map.width) * map.height,
        op, "invalid ", map.width, "x", map.height, " map with ", map.values.size(), " values");
}

// 8-neighbour offsets, clockwise in image coordinates (y down), from east.
constexpr std::array<std::array<int, 2>, 8> kNeighbours = {
    {{1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1}, {0, -1}, {1, -1}}};

// Traces the outer boundary of the region containing `start`, the region's
// first pixel in raster order (so its west and north neighbours are
// outside). Moore-neighbour tracing with Jacob's stopping criterion.
std::vector<std::array<int, 2>> trace_outer(const std::vector<std::uint8_t>& on, int w, int h, int sx, int sy) {
  const auto inside = [&](int x, int y) { return x >= 0 && y >= 0 && x < w && y < h && on[static_cast<std::size_t>(y) * w + x]; };
  std::vector<std::array<int, 2>> contour{{sx, sy}};
  // We arrived at the start from the west (a background pixel): search
  // clockwise starting just after the direction pointing back there.
  int x = sx, y = sy, back = 4;  // direction to the pixel we came from
  std::array<int, 2> second{-1, -1};
  for (std::size_t guard = 0; guard < 4u * static_cast<std::size_t>(w) * h + 8; ++guard) {
    int found = -1;
    for (int k = 1; k <= 8; ++k) {
      const int d = (back + k) % 8;
      if (inside(x + kNeighbours[d][0], y + kNeighbours[d][1])) {
        found = d;
        break;
      }
    }
    if (found < 0) return contour;  // an isolated pixel
    const int nx = x + kNeighbours[found][0], ny = y + kNeighbours[found][1];
    if (x == sx && y == sy && second[0] >= 0 && nx == second[0] && ny == second[1]) {
      contour.pop_back();  // back at the start, about to repeat the first move
      return contour;
    }
    if (second[0] < 0) second = {nx, ny};
    // The new backtrack is the (background) neighbour examined just before
    // the move; the next search starts from it, seen from the new pixel.
    const auto& before = kNeighbours[(found + 7) % 8];
    const int bx = before[0] - kNeighbours[found][0], by = before[1] - kNeighbours[found][1];
    for (int k = 0; k < 8; ++k)
      if (kNeighbours[k][0] == bx && kNeighbours[k][1] == by) back = k;
    x = nx, y = ny;
    contour.push_back({x, y});
  }
  return contour;
}

double polygon_area(const std::vector<std::array<int, 2>>& points) {
  double twice = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& a = points[i];
    const auto& b = points[(i + 1) % points.size()];
    twice += static_cast<double>(a[0]) * b[1] - static_cast<double>(b[0]) * a[1];
  }
  return std::abs(twice) / 2.0;
}

}  // namespace

std::vector<std::uint8_t> to_uint8(const ScoreMap& map) {
  check_map(map, "to_uint8");
  std::vector<std::uint8_t> out(map.values.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const float v = std::isfinite(map.values[i]) ? std::clamp(map.values[i], 0.0f, 1.0f) : 0.0f;
    out[i] = static_cast<std::uint8_t>(std::floor(255.0f * v));
  }
  return out;
}

std::vector<Region> threshold_regions(const ScoreMap& map, double threshold) {
  const std::vector<std::uint8_t> gray = to_uint8(map);
  const int w = map.width, h = map.height;
  const int highest = *std::max_element(gray.begin(), gray.end());
  const int cut = static_cast<int>(std::floor(threshold * highest));
  std::vector<std::uint8_t> on(gray.size());
  for (std::size_t i = 0; i < gray.size(); ++i) on[i] = gray[i] > cut;

  std::vector<int> label(gray.size(), -1);
  std::vector<Region> regions;
  std::vector<std::size_t> stack;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::size_t p = static_cast<std::size_t>(y) * w + x;
      if (!on[p] || label[p] >= 0) continue;
      // Flood the 8-connected region, tracking its extent.
      const int id = static_cast<int>(regions.size());
      Region region;
      int x0 = x, x1 = x, y0 = y, y1 = y;
      stack.assign(1, p);
      label[p] = id;
      while (!stack.empty()) {
        const std::size_t q = stack.back();
        stack.pop_back();
        ++region.pixels;
        const int qx = static_cast<int>(q % w), qy = static_cast<int>(q / w);
        x0 = std::min(x0, qx), x1 = std::max(x1, qx), y0 = std::min(y0, qy), y1 = std::max(y1, qy);
        for (const auto& d : kNeighbours) {
          const int nx = qx + d[0], ny = qy + d[1];
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const std::size_t r = static_cast<std::size_t>(ny) * w + nx;
          if (on[r] && label[r] < 0) label[r] = id, stack.push_back(r);
        }
      }
      region.contour_area = polygon_area(trace_outer(on, w, h, x, y));
      // cv2.boundingRect: width = max − min + 1; then the clipping rule.
      region.box.x0 = static_cast<float>(x0);
      region.box.y0 = static_cast<float>(y0);
      region.box.x1 = static_cast<float>(std::min(x1 + 1, w - 1));
      region.box.y1 = static_cast<float>(std::min(y1 + 1, h - 1));
      regions.push_back(region);
    }
  return regions;
}

Box largest_region_box(const ScoreMap& map, double threshold) {
  const auto regions = threshold_regions(map, threshold);
  if (regions.empty()) return Box{};
  const auto best = std::max_element(regions.begin(), regions.end(), [](const Region& a, const Region& b) {
    return a.contour_area < b.contour_area;
  });
  return best->box;
}

std::vector<Box> all_region_boxes(const ScoreMap& map, double threshold) {
  std::vector<Box> boxes;
  for (const Region& r : threshold_regions(map, threshold)) boxes.push_back(r.box);
  if (boxes.empty()) boxes.push_back(Box{});
  return boxes;
}

ScoreMap normalize_min_max(const ScoreMap& map) {
  check_map(map, "normalize_min_max");
  const auto [lo, hi] = std::minmax_element(map.values.begin(), map.values.end());
  ScoreMap out = map;
  const float range = *hi - *lo;
  for (float& v : out.values) v = range > 0 ? (v - *lo) / range : 0.0f;
  return out;
}

ScoreMap upsample(const ScoreMap& map, int width, int height) {
  check_map(map, "upsample");
  check(width >= 1 && height >= 1, "upsample", "target ", width, "x", height, " is empty");
  ScoreMap out{width, height, std::vector<float>(static_cast<std::size_t>(width) * height)};
  const auto source = [](int dst, int in, int out_size, int& i0, int& i1, float& frac) {
    const float s = std::max(0.0f, (dst + 0.5f) * static_cast<float>(in) / static_cast<float>(out_size) - 0.5f);
    i0 = std::min(static_cast<int>(s), in - 1);
    i1 = std::min(i0 + 1, in - 1);
    frac = s - static_cast<float>(i0);
  };
  for (int y = 0; y < height; ++y) {
    int y0, y1;
    float fy;
    source(y, map.height, height, y0, y1, fy);
    for (int x = 0; x < width; ++x) {
      int x0, x1;
      float fx;
      source(x, map.width, width, x0, x1, fx);
      const auto at = [&](int yy, int xx) { return map.values[static_cast<std::size_t>(yy) * map.width + xx]; };
      out.values[static_cast<std::size_t>(y) * width + x] =
          (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
    }
  }
  return out;
}

}  // namespace c2am::wsol
