#pragma once
// Steps of the box extraction shared by the public functions in boxes.cpp
// and the evaluator (metrics.cpp), which converts a map to uint8 once and
// thresholds it many times.

#include <cstdint>
#include <vector>

#include "c2am/wsol/boxes.hpp"

namespace c2am::wsol::detail {

// find_contours of the mask gray > cut, without making the mask
// (contours.cpp); the scan visits only the mask's bounding rows and columns.
std::vector<Contour> find_contours_above(const std::vector<std::uint8_t>& gray, int width, int height, int cut);
// The cut of a threshold: int(threshold · highest), highest = max(gray), the
// product in float64 as both references compute it from a Python float and a
// uint8 maximum.
inline int threshold_cut(int highest, double threshold) {
  return static_cast<int>(threshold * highest);  // int() truncates toward zero
}
int gray_max(const std::vector<std::uint8_t>& gray);
// Borders of the pixels of `gray` strictly above `cut`.
std::vector<Region> regions_above(const std::vector<std::uint8_t>& gray, int width, int height, int cut);
// Borders of the pixels of `gray` strictly above int(threshold · max).
std::vector<Region> regions_of_gray(const std::vector<std::uint8_t>& gray, int width, int height, double threshold);
// normalize_min_max without a copy (wsolevaluation_map's second step).
void normalize_min_max_in_place(ScoreMap64& map);
// The first region of largest contour area; (0,0,0,0) when there is none.
Box largest_box(const std::vector<Region>& regions);
// Every region's box; {(0,0,0,0)} when there is none.
std::vector<Box> all_boxes(const std::vector<Region>& regions);
// Every coordinate × scale, rounded to float32 as the release stores it
// (crop / map width under the release protocol; 1 leaves the box as it is).
Box scaled_box(Box box, double scale);

}  // namespace c2am::wsol::detail
