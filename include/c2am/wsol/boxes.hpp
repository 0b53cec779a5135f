#pragma once
// Boxes from score maps under the two WSOL protocols (SPEC §4), each defined
// by its reference code, which c2am reproduces number for number:
//
// - Protocol::wsolevaluation (clovaai/wsolevaluation, the MaxBoxAccV2 paper's
//   code, and c2am's default): the map is upsampled bicubically (OpenCV's
//   INTER_CUBIC) to the image size and min-max normalized, in float64;
// - Protocol::release (the C²AM release's test loop, WSOL/utils.py): the
//   low-resolution float32 map itself.
//
// Both then scale the map to uint8 by truncating 255·m (in float64, resp.
// float32), keep pixels strictly above int(t · max) — t as given, the
// product in float64 — and take OpenCV's findContours(RETR_TREE) borders:
// outer borders of 8-connected regions and the borders of their holes. A
// border's box is its bounding rectangle x0, y0, x1 = x0 + w, y1 = y0 + h,
// with x1, y1 capped at width − 1, height − 1 (pixel coordinates of the
// map, top-left at 0). Single-box mode takes the first border of largest
// cv2.contourArea in OpenCV's list order (of equal areas, the region found
// last in raster order); no border gives the box (0, 0, 0, 0).

#include <cstdint>
#include <string>
#include <vector>

#include "c2am/data/dataset.hpp"

namespace c2am::wsol {

enum class Protocol {
  wsolevaluation,  // bicubic upsampling, float64, IoU with +1 areas, correct when IoU ≥ δ
  release,         // the low-resolution float32 map, IoU without +1, correct when IoU > 0.5
};
// "wsolevaluation" or "release"; parse_protocol throws on other text.
const char* protocol_name(Protocol protocol);
Protocol parse_protocol(const std::string& text);

// A score map, row-major height × width. ScoreMap holds float32 values (a
// model's map); ScoreMap64 float64 ones (wsolevaluation's upsampled maps).
template <typename T>
struct BasicScoreMap {
  int width = 0, height = 0;
  std::vector<T> values;
};
using ScoreMap = BasicScoreMap<float>;
using ScoreMap64 = BasicScoreMap<double>;

// One border from findContours: its bounding rectangle (x, y, width,
// height in pixels, inclusive), |shoelace area| over the traced border
// (cv2.contourArea), whether it is a hole's border, and its parent's index
// in the list (−1 at the top).
struct Contour {
  int x = 0, y = 0, width = 0, height = 0;
  double area = 0;
  bool hole = false;
  int parent = -1;
};

// The borders of `mask` (height × width, nonzero = in), in the order
// cv2.findContours(mask, RETR_TREE, CHAIN_APPROX_SIMPLE) lists them: a
// depth-first walk of the border tree, each border followed by its
// descendants, borders of one level newest first (found last in the raster
// scan). Throws c2am::Error when the size does not match.
std::vector<Contour> find_contours(const std::vector<std::uint8_t>& mask, int width, int height);

// ⌊255·m⌋ per pixel, the product in float64 (wsolevaluation) or float32
// (release). Throws c2am::Error naming the pixel when a value is NaN or
// outside [0, 1] (wsolevaluation refuses such maps; so does c2am, for both).
template <typename T>
std::vector<std::uint8_t> to_uint8(const BasicScoreMap<T>& map, Protocol protocol = Protocol::wsolevaluation);

// The region borders of `map` at `threshold` (see the top of this file).
struct Region {
  Box box;                  // capped bounding rectangle, map pixels
  double contour_area = 0;  // cv2.contourArea of the border
  bool hole = false;        // the border of a hole (a candidate in multi-box mode)
};
template <typename T>
std::vector<Region> threshold_regions(const BasicScoreMap<T>& map, double threshold,
                                      Protocol protocol = Protocol::wsolevaluation);
// Single-box mode: the first border of largest contour area, (0,0,0,0) if none.
template <typename T>
Box largest_region_box(const BasicScoreMap<T>& map, double threshold, Protocol protocol = Protocol::wsolevaluation);
// Multi-box mode: the box of every border, holes included; {(0,0,0,0)} if none.
template <typename T>
std::vector<Box> all_region_boxes(const BasicScoreMap<T>& map, double threshold,
                                  Protocol protocol = Protocol::wsolevaluation);

// wsolevaluation's normalize_scoremap: m − min, then divided by the new
// maximum unless that is 0 (a constant map becomes all zeros); float64.
// Throws on NaN.
ScoreMap64 normalize_min_max(const ScoreMap64& map);
// cv2.resize(map, (width, height), interpolation=INTER_CUBIC) on float64,
// bit for bit (see src/wsol/resize_cubic.cpp); values may overshoot [0, 1].
ScoreMap64 resize_bicubic(const ScoreMap64& map, int width, int height);
// wsolevaluation's map at an image size: float64, bicubic, min-max normalized.
ScoreMap64 upsample_normalized(const ScoreMap& map, int width, int height);

}  // namespace c2am::wsol
