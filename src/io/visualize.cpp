#include "c2am/io/visualize.hpp"

#include <algorithm>
#include <cmath>

#include "c2am/core/error.hpp"

namespace c2am {

namespace {
// The classic "jet" colour ramp: blue -> cyan -> yellow -> red.
std::array<float, 3> jet(float v) {
  v = std::clamp(v, 0.0f, 1.0f);
  const auto ramp = [&](float center) { return std::clamp(1.5f - std::abs(4.0f * v - center), 0.0f, 1.0f); };
  return {ramp(3.0f), ramp(2.0f), ramp(1.0f)};
}
}  // namespace

Image heatmap_overlay(const Image& image, const std::vector<float>& map, float opacity) {
  check(map.size() == static_cast<std::size_t>(image.width) * image.height, "heatmap_overlay", "map of ", map.size(),
        " values for a ", image.width, "x", image.height, " image");
  Image out = image;
  for (std::size_t p = 0; p < map.size(); ++p) {
    const auto c = jet(std::isfinite(map[p]) ? map[p] : 0.0f);
    for (int ch = 0; ch < 3; ++ch) {
      const float blended = (1 - opacity) * image.pixels[p * 3 + ch] + opacity * 255.0f * c[ch];
      out.pixels[p * 3 + ch] = static_cast<std::uint8_t>(std::clamp(blended + 0.5f, 0.0f, 255.0f));
    }
  }
  return out;
}

void draw_box(Image& image, const Box& box, std::array<std::uint8_t, 3> colour, int thickness) {
  const int x0 = std::clamp(static_cast<int>(box.x0), 0, image.width - 1);
  const int y0 = std::clamp(static_cast<int>(box.y0), 0, image.height - 1);
  const int x1 = std::clamp(static_cast<int>(std::ceil(box.x1)) - 1, 0, image.width - 1);
  const int y1 = std::clamp(static_cast<int>(std::ceil(box.y1)) - 1, 0, image.height - 1);
  for (int t = 0; t < thickness; ++t) {
    for (int x = x0; x <= x1; ++x) {
      std::copy(colour.begin(), colour.end(), image.at(x, std::min(y0 + t, y1)));
      std::copy(colour.begin(), colour.end(), image.at(x, std::max(y1 - t, y0)));
    }
    for (int y = y0; y <= y1; ++y) {
      std::copy(colour.begin(), colour.end(), image.at(std::min(x0 + t, x1), y));
      std::copy(colour.begin(), colour.end(), image.at(std::max(x1 - t, x0), y));
    }
  }
}

}  // namespace c2am
