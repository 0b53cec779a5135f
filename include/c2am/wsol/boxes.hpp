#pragma once
// Boxes from activation maps (SPEC §4, the wsolevaluation convention):
// scale to uint8 (⌊255·m⌋), keep pixels strictly above ⌊t · max⌋, trace the
// outer contour of every 8-connected region, and take bounding rectangles
// x0, y0, x1 = x0 + w, y1 = y0 + h with x1, y1 clipped to width − 1,
// height − 1. No region gives the box (0, 0, 0, 0).

#include <cstdint>
#include <vector>

#include "c2am/data/dataset.hpp"

namespace c2am::wsol {

// A score map, row-major height × width.
struct ScoreMap {
  int width = 0, height = 0;
  std::vector<float> values;
};

struct Region {
  Box box;
  double contour_area = 0;  // area of the traced outer contour polygon (pixel centres), as cv2.contourArea
  std::size_t pixels = 0;
};

// ⌊255 · clamp(m, 0, 1)⌋ per pixel.
std::vector<std::uint8_t> to_uint8(const ScoreMap& map);
// Regions above the threshold, ordered by the raster position of their first pixel.
std::vector<Region> threshold_regions(const ScoreMap& map, double threshold);
// The box of the region with the largest contour area (ties: the first).
Box largest_region_box(const ScoreMap& map, double threshold);
// Boxes of every region (multi-box mode).
std::vector<Box> all_region_boxes(const ScoreMap& map, double threshold);

// (m − min) / (max − min); a constant map becomes all zeros.
ScoreMap normalize_min_max(const ScoreMap& map);
// Bilinear resize with align_corners = false (PyTorch's convention).
ScoreMap upsample(const ScoreMap& map, int width, int height);

}  // namespace c2am::wsol
