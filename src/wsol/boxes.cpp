// Boxes from thresholded score maps under the two WSOL protocols (see
// include/c2am/wsol/boxes.hpp); the borders come from src/wsol/contours.cpp.

#include "c2am/wsol/boxes.hpp"

#include <algorithm>
#include <cmath>

#include "c2am/core/error.hpp"
#include "wsol/regions.hpp"

namespace c2am::wsol {

namespace {

template <typename T>
void check_map(const BasicScoreMap<T>& map, const char* op) {
  check(map.width >= 1 && map.height >= 1 && map.values.size() == static_cast<std::size_t>(map.width) * map.height,
        op, "invalid ", map.width, "x", map.height, " map with ", map.values.size(), " values");
}

Box capped_box(const Contour& c, int width, int height) {
  Box b;
  b.x0 = static_cast<float>(c.x);
  b.y0 = static_cast<float>(c.y);
  b.x1 = static_cast<float>(std::min(c.x + c.width, width - 1));
  b.y1 = static_cast<float>(std::min(c.y + c.height, height - 1));
  return b;
}

}  // namespace

const char* protocol_name(Protocol protocol) {
  return protocol == Protocol::release ? "release" : "wsolevaluation";
}

Protocol parse_protocol(const std::string& text) {
  if (text == "wsolevaluation") return Protocol::wsolevaluation;
  if (text == "release") return Protocol::release;
  throw Error("wsol: unknown protocol '" + text + "' (wsolevaluation or release)");
}

template <typename T>
std::vector<std::uint8_t> to_uint8(const BasicScoreMap<T>& map, Protocol protocol) {
  check_map(map, "to_uint8");
  std::vector<std::uint8_t> out(map.values.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const T v = map.values[i];
    check(v >= T(0) && v <= T(1), "wsol", "score map value ", static_cast<double>(v), " at pixel (x ",
          i % static_cast<std::size_t>(map.width), ", y ", i / static_cast<std::size_t>(map.width),
          ") is outside [0, 1] (", protocol_name(protocol), " protocol; a NaN fails too)");
    // numpy's astype(np.uint8) truncates.
    out[i] = protocol == Protocol::release
                 ? static_cast<std::uint8_t>(static_cast<float>(v) * 255.0f)
                 : static_cast<std::uint8_t>(static_cast<double>(v) * 255.0);
  }
  return out;
}

namespace detail {

int gray_max(const std::vector<std::uint8_t>& gray) { return *std::max_element(gray.begin(), gray.end()); }

std::vector<Region> regions_above(const std::vector<std::uint8_t>& gray, int width, int height, int cut) {
  std::vector<Region> regions;
  for (const Contour& c : find_contours_above(gray, width, height, cut))
    regions.push_back(Region{capped_box(c, width, height), c.area, c.hole});
  return regions;
}

std::vector<Region> regions_of_gray(const std::vector<std::uint8_t>& gray, int width, int height, double threshold) {
  return regions_above(gray, width, height, threshold_cut(gray_max(gray), threshold));
}

Box largest_box(const std::vector<Region>& regions) {
  if (regions.empty()) return Box{};
  // Python's max: the first of equal areas in the list order.
  const Region* best = &regions.front();
  for (const Region& r : regions)
    if (r.contour_area > best->contour_area) best = &r;
  return best->box;
}

std::vector<Box> all_boxes(const std::vector<Region>& regions) {
  std::vector<Box> boxes;
  for (const Region& r : regions) boxes.push_back(r.box);
  if (boxes.empty()) boxes.push_back(Box{});
  return boxes;
}

Box scaled_box(Box b, double scale) {
  if (scale == 1.0) return b;
  const auto s = [scale](float v) { return static_cast<float>(static_cast<double>(v) * scale); };
  return {s(b.x0), s(b.y0), s(b.x1), s(b.y1), b.label};
}

}  // namespace detail

template <typename T>
std::vector<Region> threshold_regions(const BasicScoreMap<T>& map, double threshold, Protocol protocol) {
  return detail::regions_of_gray(to_uint8(map, protocol), map.width, map.height, threshold);
}

template <typename T>
Box largest_region_box(const BasicScoreMap<T>& map, double threshold, Protocol protocol) {
  return detail::largest_box(threshold_regions(map, threshold, protocol));
}

template <typename T>
std::vector<Box> all_region_boxes(const BasicScoreMap<T>& map, double threshold, Protocol protocol) {
  return detail::all_boxes(threshold_regions(map, threshold, protocol));
}

ScoreMap64 normalize_min_max(const ScoreMap64& map) {
  ScoreMap64 out = map;
  detail::normalize_min_max_in_place(out);
  return out;
}

void detail::normalize_min_max_in_place(ScoreMap64& out) {
  check_map(out, "normalize_min_max");
  // One pass for NaN, minimum and maximum; one for the result. The maximum
  // of the shifted values, which wsolevaluation divides by, is
  // fl(max − min): subtracting one number rounds monotonically.
  bool has_nan = false;
  double lo = out.values.front(), top = lo;
  for (double v : out.values) {
    has_nan |= v != v;
    lo = v < lo ? v : lo;
    top = v > top ? v : top;
  }
  if (has_nan) throw Error("normalize_min_max: the score map holds NaN");
  const double hi = top - lo;
  // wsolevaluation returns zeros for a constant map, which subtracting the
  // minimum already gives; otherwise it divides by the new maximum. (It also
  // turns a map holding NaN into zeros; c2am refuses such maps above.)
  if (hi != 0) {
    for (double& v : out.values) v = (v - lo) / hi;
  } else {
    for (double& v : out.values) v -= lo;
  }
}

ScoreMap64 upsample_normalized(const ScoreMap& map, int width, int height) {
  check_map(map, "upsample_normalized");
  ScoreMap64 wide{map.width, map.height, std::vector<double>(map.values.begin(), map.values.end())};
  return normalize_min_max(resize_bicubic(wide, width, height));
}

template std::vector<std::uint8_t> to_uint8(const ScoreMap&, Protocol);
template std::vector<std::uint8_t> to_uint8(const ScoreMap64&, Protocol);
template std::vector<Region> threshold_regions(const ScoreMap&, double, Protocol);
template std::vector<Region> threshold_regions(const ScoreMap64&, double, Protocol);
template Box largest_region_box(const ScoreMap&, double, Protocol);
template Box largest_region_box(const ScoreMap64&, double, Protocol);
template std::vector<Box> all_region_boxes(const ScoreMap&, double, Protocol);
template std::vector<Box> all_region_boxes(const ScoreMap64&, double, Protocol);

}  // namespace c2am::wsol
