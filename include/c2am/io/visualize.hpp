#pragma once
// Pictures of activation maps: a jet-coloured heatmap blended over the
// image, and rectangles for boxes.

#include <array>
#include <vector>

#include "c2am/data/dataset.hpp"
#include "c2am/data/image.hpp"

namespace c2am {

// `map`: image.height × image.width values in [0, 1] (clamped), row-major.
Image heatmap_overlay(const Image& image, const std::vector<float>& map, float opacity = 0.5f);
// Draws the outline of `box` (pixel coordinates, x1/y1 exclusive) in place.
void draw_box(Image& image, const Box& box, std::array<std::uint8_t, 3> colour, int thickness = 2);

}  // namespace c2am
