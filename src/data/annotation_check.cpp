// Annotations against the decoded picture: a broken annotation is reported
// as such, not scored as a model that failed to localize.

#include <cstdio>

#include "c2am/core/error.hpp"
#include "c2am/data/dataset.hpp"

namespace c2am {

namespace {

std::string box_text(const Box& b) {
  char text[128];
  std::snprintf(text, sizeof text, "(%g, %g)-(%g, %g)", b.x0, b.y0, b.x1, b.y1);
  return text;
}

}  // namespace

std::vector<std::string> check_boxes_against_image(const Sample& sample, int width, int height) {
  const std::string source = sample.annotation.empty() ? "the annotation of " + sample.image_path : sample.annotation;
  const std::string picture = sample.image_path + " (" + std::to_string(width) + "x" + std::to_string(height) + ")";
  if (sample.annotated_width > 0 && sample.annotated_height > 0 &&
      (sample.annotated_width != width || sample.annotated_height != height))
    throw Error("annotation: " + source + " declares a " + std::to_string(sample.annotated_width) + "x" +
                std::to_string(sample.annotated_height) + " picture but " + picture +
                " is not that size: its boxes were drawn on another version of the picture (rotated by EXIF, "
                "resized?). Fix the annotation's <size> and boxes, or the image");
  std::vector<std::string> warnings;
  for (const Box& b : sample.boxes) {
    if (!(b.x1 > b.x0 && b.y1 > b.y0))
      throw Error("annotation: " + source + ": box " + box_text(b) + " is empty");
    if (b.x0 >= width || b.y0 >= height || b.x1 <= 0 || b.y1 <= 0)
      throw Error("annotation: " + source + ": box " + box_text(b) + " lies wholly outside " + picture +
                  "; a broken annotation cannot be scored (fix or remove the box)");
    if (b.x0 < 0 || b.y0 < 0 || b.x1 > width || b.y1 > height)
      warnings.push_back(source + ": box " + box_text(b) + " sticks out of " + picture +
                         "; scored as each protocol's reference code maps it (docs/wsol.md)");
  }
  return warnings;
}

}  // namespace c2am
