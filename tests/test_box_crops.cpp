// The second WSOL stage's geometry (wsol/box_crops.hpp) against hand
// computations from the release's augment.py, func.py and IoU.py.

#include <catch2/catch.hpp>

#include <cmath>

#include "c2am/wsol/box_crops.hpp"

using namespace c2am;
using namespace c2am::wsol;

namespace {

Box box(float x0, float y0, float x1, float y1) {
  Box b;
  b.x0 = x0, b.y0 = y0, b.x1 = x1, b.y1 = y1;
  return b;
}

}  // namespace

TEST_CASE("random_resized_box_crop: crops in range that keep part of the box, targets the clipped box", "[stage2]") {
  const Box object = box(120.5f, 40, 260, 150);
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    Generator gen(seed);
    const BoxCrop c = random_resized_box_crop(400, 300, object, gen);
    INFO("seed " << seed << " crop " << c.crop.x << "," << c.crop.y << " " << c.crop.width << "x" << c.crop.height);
    REQUIRE(c.crop.x >= 0);
    REQUIRE(c.crop.y >= 0);
    REQUIRE(c.crop.x + c.crop.width <= 400);
    REQUIRE(c.crop.y + c.crop.height <= 300);
    // Area within the scale range (rounding moves each side by at most ½).
    const double area = double(c.crop.width) * c.crop.height / (400.0 * 300);
    CHECK(area >= 0.2 * 0.95);
    CHECK(area <= 1.0);
    const double ratio = double(c.crop.width) / c.crop.height;
    CHECK(ratio >= 0.75 * 0.97);
    CHECK(ratio <= 4.0 / 3 * 1.03);
    // The target is the box clipped to the crop, in crop units, computed naively here.
    const double x0 = (std::max(120.5, double(c.crop.x)) - c.crop.x) / c.crop.width;
    const double x1 = (std::min(260.0, double(c.crop.x + c.crop.width)) - c.crop.x) / c.crop.width;
    const double y0 = (std::max(40.0, double(c.crop.y)) - c.crop.y) / c.crop.height;
    const double y1 = (std::min(150.0, double(c.crop.y + c.crop.height)) - c.crop.y) / c.crop.height;
    CHECK(c.target.x0 == x0);
    CHECK(c.target.x1 == x1);
    CHECK(c.target.y0 == y0);
    CHECK(c.target.y1 == y1);
    CHECK(c.target.x1 > c.target.x0);
    CHECK(c.target.y1 > c.target.y0);
  }
}

TEST_CASE("random_resized_box_crop: draws differ by seed and repeat for one seed", "[stage2]") {
  const Box object = box(10, 10, 390, 290);
  Generator a(7), b(7), c(8);
  const BoxCrop first = random_resized_box_crop(400, 300, object, a);
  const BoxCrop again = random_resized_box_crop(400, 300, object, b);
  CHECK(first.crop.x == again.crop.x);
  CHECK(first.crop.width == again.crop.width);
  int differ = 0;
  for (int i = 0; i < 20; ++i) {
    const BoxCrop other = random_resized_box_crop(400, 300, object, c);
    differ += other.crop.width != first.crop.width || other.crop.x != first.crop.x;
  }
  CHECK(differ >= 18);
}

TEST_CASE("random_resized_box_crop: an empty box falls back to the central crop, unchecked", "[stage2]") {
  // A zero-width box never intersects with positive width: every attempt fails.
  Generator gen(3);
  const BoxCrop wide = random_resized_box_crop(300, 100, box(50, 20, 50, 80), gen);
  // in_ratio 3 > 4/3: h = 100, w = round(100 · 4/3) = 133, x = (300 − 133) // 2 = 83.
  CHECK(wide.crop.x == 83);
  CHECK(wide.crop.y == 0);
  CHECK(wide.crop.width == 133);
  CHECK(wide.crop.height == 100);
  // The release trains on the inverted target: x0 = max(83, 50) − 83 = 0, x1 = min(216, 50) − 83 = −33.
  CHECK(wide.target.x0 == 0.0);
  CHECK(wide.target.x1 == Approx(-33.0 / 133).epsilon(1e-15));
  CHECK(wide.target.y0 == Approx(0.2).epsilon(1e-15));
  CHECK(wide.target.y1 == Approx(0.8).epsilon(1e-15));
  // Tall image: w = 100, h = round(100 / (3/4)) = 133; whole image when the ratio is allowed.
  const BoxCrop tall = random_resized_box_crop(100, 300, box(50, 20, 50, 80), gen);
  CHECK(tall.crop.y == 83);
  CHECK(tall.crop.height == 133);
  const BoxCrop square = random_resized_box_crop(120, 100, box(5, 5, 5, 5), gen);
  CHECK(square.crop.width == 120);
  CHECK(square.crop.height == 100);
}

TEST_CASE("hflip and xywh of a target", "[stage2]") {
  const Box64 flipped = hflip({0.1, 0.2, 0.35, 0.9});
  CHECK(flipped.x0 == Approx(0.65));
  CHECK(flipped.x1 == Approx(0.9));
  CHECK(flipped.y0 == 0.2);
  CHECK(flipped.y1 == 0.9);
  const RegressionTarget t = to_xywh({0.1, 0.2, 0.35, 0.9});
  CHECK(t.w == Approx(0.25));
  CHECK(t.h == Approx(0.7));
}

TEST_CASE("the evaluation frame: GT scaled per axis to 256, clipped to the central 224", "[stage2]") {
  // 512×256 image: x scaled by ½, y by 1; (50, 50, 200, 250) then the crop at 16.
  const Box64 gt = ground_truth_in_eval_crop(box(100, 50, 400, 250), 512, 256);
  CHECK(gt.x0 == Approx(34));
  CHECK(gt.y0 == Approx(34));
  CHECK(gt.x1 == Approx(184));
  CHECK(gt.y1 == Approx(224));
  // Back to the original image: (34 + 16) · 2 = 100, (184 + 16) · 2 = 400; y unscaled.
  const Box back = box_in_original(gt, 512, 256);
  CHECK(back.x0 == Approx(100));
  CHECK(back.x1 == Approx(400));
  CHECK(back.y0 == Approx(50));
  CHECK(back.y1 == Approx(240));  // clipped to the crop's bottom edge (224 + 16)
  const Box64 predicted = regressed_box_in_crop({0.1, 0.2, 0.5, 0.25});
  CHECK(predicted.x0 == Approx(22.4));
  CHECK(predicted.y0 == Approx(44.8));
  CHECK(predicted.x1 == Approx(134.4));
  CHECK(predicted.y1 == Approx(100.8));
}

TEST_CASE("psol_iou: no +1, empty and inverted boxes have no area, IoU > 0.5 strictly", "[stage2]") {
  CHECK(psol_iou({0, 0, 10, 10}, {5, 5, 15, 15}) == Approx(25.0 / 175));
  CHECK(psol_iou({0, 0, 10, 10}, {0, 0, 10, 10}) == 1.0);
  CHECK(psol_iou({0, 0, 10, 10}, {20, 20, 30, 30}) == 0.0);
  CHECK(psol_iou({0, 0, 0, 0}, {0, 0, 0, 0}) == 0.0);
  CHECK(psol_iou({10, 0, 0, 10}, {0, 0, 10, 10}) == 0.0);  // inverted: area 0
  CHECK_FALSE(psol_localized(0.5));
  CHECK(psol_localized(std::nextafter(0.5, 1.0)));
}
