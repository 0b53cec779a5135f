// WSSS pieces without the CRF: multi-scale maps, thresholded cues, mIoU.

#include <catch2/catch.hpp>

#include <cmath>

#include "c2am/wsss/maps.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using namespace c2am::wsss;

TEST_CASE("confusion-matrix IoU on a hand-computed case", "[wsss]") {
  ConfusionMatrix m(4);
  // truth:      0 0 1 1 255 2     prediction: 0 1 1 1 0 0
  m.add({0, 1, 1, 1, 0, 0}, {0, 0, 1, 1, 255, 2});
  CHECK(m.at(0, 0) == 1);
  CHECK(m.at(0, 1) == 1);
  CHECK(m.at(1, 1) == 2);
  CHECK(m.at(2, 0) == 1);
  const auto iou = m.iou();
  CHECK(iou[0] == Approx(1.0 / 3.0));  // TP 1, truth 2, predicted 2
  CHECK(iou[1] == Approx(2.0 / 3.0));  // TP 2, truth 2, predicted 3
  CHECK(iou[2] == 0.0);                // TP 0, truth 1, predicted 0
  CHECK(std::isnan(iou[3]));           // absent everywhere: left out of the mean
  CHECK(m.mean_iou() == Approx(1.0 / 3.0));
  // Accumulates over images.
  m.add({2}, {2});
  CHECK(m.iou()[2] == Approx(0.5));
  CHECK_THROWS_WITH(m.add({0}, {0, 1}), Catch::Contains("1 pixels") && Catch::Contains("2"));
  CHECK_THROWS_WITH(m.add({7}, {0}), Catch::Contains("predicted label 7"));
  CHECK_THROWS_WITH(m.add({0}, {9}), Catch::Contains("ground-truth label 9"));
}

TEST_CASE("cues threshold the map strictly", "[wsss]") {
  CHECK(threshold_cue({0.1f, 0.3f, 0.31f, 0.9f}, 0.3) == std::vector<std::uint8_t>{0, 0, 1, 1});
}

TEST_CASE("multi-scale maps: range, size and mirror symmetry", "[wsss]") {
  ModelConfig config;
  config.backbone.depth = 18;
  config.backbone.base_width = 4;
  config.seed = 2;
  Model model(config);
  SyntheticConfig s;
  s.count = 1;
  s.image_size = 48;
  const Image image = make_synthetic(s)->load_image(0);
  MultiScaleOptions options;
  options.scales = {1.0, 1.5};
  const auto map = multiscale_map(model, image, options);
  REQUIRE(map.size() == 48u * 48u);
  float highest = 0;
  for (float v : map) {
    REQUIRE(v >= 0.0f);
    REQUIRE(v < 1.0f);
    highest = std::max(highest, v);
  }
  CHECK(highest > 0.99f);  // divided by its own maximum (+1e-5)
  // Each scale adds the mirrored image's map flipped back, so mirroring the
  // image mirrors the result.
  const auto mirrored = multiscale_map(model, hflip(image), options);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 48; ++x) REQUIRE(mirrored[y * 48 + (47 - x)] == Approx(map[y * 48 + x]).margin(1e-4));
  options.flipped = true;
  const auto inverted = multiscale_map(model, image, options);
  CHECK(inverted != map);
}
