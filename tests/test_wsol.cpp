// Boxes from hand-built maps and metrics on hand-computed cases.

#include <catch2/catch.hpp>

#include <sstream>

#include "c2am/wsol/boxes.hpp"
#include "c2am/wsol/evaluate.hpp"
#include "c2am/wsol/metrics.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using namespace c2am::wsol;

namespace {

// A map from rows of characters: '.' = 0, digits d = d / 9, '#' = 1.
ScoreMap map_of(const std::vector<std::string>& rows) {
  ScoreMap m{static_cast<int>(rows[0].size()), static_cast<int>(rows.size()), {}};
  for (const auto& row : rows)
    for (char c : row) m.values.push_back(c == '.' ? 0.0f : c == '#' ? 1.0f : (c - '0') / 9.0f);
  return m;
}

bool same(const Box& a, const Box& b) { return a.x0 == b.x0 && a.y0 == b.y0 && a.x1 == b.x1 && a.y1 == b.y1; }

std::string str(const Box& b) {
  std::ostringstream out;
  out << "(" << b.x0 << ", " << b.y0 << ", " << b.x1 << ", " << b.y1 << ")";
  return out.str();
}

}  // namespace

TEST_CASE("uint8 scaling floors and the threshold is strict", "[wsol]") {
  ScoreMap m{4, 1, {0.5f, 1.0f, 0.999f, 2.0f}};
  CHECK(to_uint8(m) == std::vector<std::uint8_t>{127, 255, 254, 255});
  // max 255, t = 0.5: cut ⌊127.5⌋ = 127, so 127 is out and 128 is in.
  ScoreMap edge{3, 1, {127.0f / 255, 128.0f / 255, 1.0f}};
  const auto regions = threshold_regions(edge, 0.5);
  REQUIRE(regions.size() == 1);
  CHECK(regions[0].pixels == 2);
  CHECK(regions[0].box.x0 == 1);
}

TEST_CASE("several blobs: the largest contour wins, all are listed", "[wsol]") {
  const ScoreMap m = map_of({
      "..........",
      ".###......",
      ".###..####",
      ".###..####",
      "......####",
      "......####",
      "..........",
  });
  const auto regions = threshold_regions(m, 0.5);
  REQUIRE(regions.size() == 2);
  CHECK(regions[0].contour_area == 4.0);   // 3x3 pixel centres: 2 x 2
  CHECK(regions[1].contour_area == 9.0);   // 4x4: 3 x 3
  CHECK(regions[1].pixels == 16);
  const Box largest = largest_region_box(m, 0.5);
  INFO(str(largest));
  CHECK(same(largest, {6, 2, 9, 6}));  // x1 = 6 + 4 = 10 clipped to width - 1 = 9
  const auto boxes = all_region_boxes(m, 0.5);
  REQUIRE(boxes.size() == 2);
  CHECK(same(boxes[0], {1, 1, 4, 4}));
}

TEST_CASE("8-connectivity, nested regions and thin shapes", "[wsol]") {
  // Diagonal neighbours join; the island inside the ring is its own region.
  const ScoreMap m = map_of({
      "#.........",
      ".#........",
      "..#######.",
      "..#.....#.",
      "..#..#..#.",
      "..#.....#.",
      "..#######.",
      "..........",
  });
  const auto regions = threshold_regions(m, 0.5);
  REQUIRE(regions.size() == 2);
  CHECK(same(regions[0].box, {0, 0, 9, 7}));  // the diagonal tail joins the ring
  CHECK(same(regions[1].box, {5, 4, 6, 5}));  // the island inside the ring
  CHECK(regions[1].contour_area == 0.0);      // one pixel
  CHECK(regions[0].contour_area > regions[1].contour_area);
  // A one-pixel-wide line has no area; a plus sign's contour is a polygon
  // through its 12 outer pixel centres: area 4 + 4 × 1 (arms) = ... computed:
  const ScoreMap line = map_of({"#####"});
  CHECK(threshold_regions(line, 0.5).at(0).contour_area == 0.0);
  const ScoreMap plus = map_of({
      ".#.",
      "###",
      ".#.",
  });
  // Contour through (1,0), (2,1), (1,2), (0,1): a diamond of area 2.
  CHECK(threshold_regions(plus, 0.5).at(0).contour_area == 2.0);
}

TEST_CASE("regions at the border, empty and constant maps", "[wsol]") {
  const ScoreMap touching = map_of({
      "......####",
      "......####",
      "..........",
  });
  CHECK(same(largest_region_box(touching, 0.5), {6, 0, 9, 2}));
  const ScoreMap empty{5, 4, std::vector<float>(20, 0.0f)};
  CHECK(threshold_regions(empty, 0.5).empty());
  CHECK(same(largest_region_box(empty, 0.5), {0, 0, 0, 0}));
  CHECK(all_region_boxes(empty, 0.5).size() == 1);
  const ScoreMap constant{5, 4, std::vector<float>(20, 0.7f)};
  CHECK(same(largest_region_box(constant, 0.3), {0, 0, 4, 3}));  // everything, clipped
  CHECK(normalize_min_max(constant).values == std::vector<float>(20, 0.0f));
}

TEST_CASE("min-max normalization and bilinear upsampling", "[wsol]") {
  const ScoreMap m{2, 1, {2.0f, 4.0f}};
  CHECK(normalize_min_max(m).values == std::vector<float>{0.0f, 1.0f});
  // 2 -> 4 columns, align_corners = false: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25.
  const ScoreMap up = upsample(m, 4, 1);
  CHECK(up.values[0] == Approx(2.0f));
  CHECK(up.values[1] == Approx(2.5f));
  CHECK(up.values[2] == Approx(3.5f));
  CHECK(up.values[3] == Approx(4.0f));
}

TEST_CASE("IoU and best IoU", "[wsol][metrics]") {
  CHECK(iou({0, 0, 10, 10}, {5, 5, 15, 15}) == Approx(25.0 / 175.0));
  CHECK(iou({0, 0, 10, 10}, {0, 0, 10, 10}) == 1.0);
  CHECK(iou({0, 0, 10, 10}, {10, 0, 20, 10}) == 0.0);
  CHECK(iou({}, {}) == 0.0);
  CHECK(best_iou({{0, 0, 2, 2}, {0, 0, 10, 10}}, {{20, 20, 30, 30}, {0, 0, 10, 5}}) == Approx(0.5));
}

TEST_CASE("GT-known Loc, Top-k Loc and MaxBoxAccV2 on hand-computed cases", "[wsol][metrics]") {
  // Image A: one blob exactly on the GT box at every threshold.
  const ScoreMap a = map_of({
      "..........",
      ".######...",
      ".######...",
      ".######...",
      "..........",
  });
  const std::vector<Box> a_gt{{1, 1, 7, 4}};
  // Image B: a bright large blob (wrong) and a dimmer small blob (the GT).
  const ScoreMap b = map_of({
      "#####.....",
      "#####.....",
      "#####...44",
      "........44",
      "..........",
  });
  const std::vector<Box> b_gt{{8, 2, 9, 4}};  // exactly the small blob's clipped box
  Evaluator e({0.3, 0.6});
  e.add(a, a_gt, 3, {3, 1, 2, 0, 4});
  e.add(b, b_gt, 5, {1, 5, 2, 0, 4});
  CHECK(e.images() == 2);
  // A is located at both thresholds, B never (the largest region is wrong).
  CHECK(e.gt_known() == std::vector<double>{0.5, 0.5});
  CHECK(e.top1_loc() == std::vector<double>{0.5, 0.5});  // A's top-1 is right
  CHECK(e.top5_loc() == std::vector<double>{0.5, 0.5});
  // Multi-box: at τ ≤ 0.44 B's small blob is a candidate with IoU 1 (4/9 =
  // 0.444 > τ... cut = ⌊τ·255⌋ < 113 = ⌊255·4/9⌋), so every δ is reached.
  CHECK(e.max_box_acc() == std::array<double, 3>{1.0, 1.0, 1.0});
  CHECK(e.max_box_acc_v2() == 1.0);

  Evaluator single({0.5});
  single.add(b, b_gt);
  CHECK(single.gt_known() == std::vector<double>{0.0});
  CHECK_FALSE(single.has_predictions());
  CHECK(best_index({0.2, 0.7, 0.7, 0.1}) == 1);
  CHECK(release_thresholds().size() == 19);
  CHECK(release_thresholds().front() == Approx(0.05));
  CHECK(box_acc_thresholds().size() == 100);
}

TEST_CASE("the test transform maps boxes into the crop and back", "[wsol]") {
  EvalOptions o;
  o.resize = 480;
  o.crop = 448;
  const CropGeometry g = crop_geometry(960, 240, o);  // x scale 0.5, y scale 2, crop offset 16
  const Box in_crop = g.to_crop({100, 20, 500, 100});
  CHECK(in_crop.x0 == Approx(50 - 16));
  CHECK(in_crop.y0 == Approx(40 - 16));
  CHECK(in_crop.x1 == Approx(250 - 16));
  CHECK(in_crop.y1 == Approx(200 - 16));
  const Box back = g.to_original(in_crop);
  CHECK(back.x0 == Approx(100));
  CHECK(back.y1 == Approx(100));
  // Parts outside the crop are clipped to it.
  const Box clipped = g.to_crop({0, 0, 960, 240});
  CHECK((clipped.x0 == 0 && clipped.y0 == 0 && clipped.x1 == 448 && clipped.y1 == 448));
}

TEST_CASE("baselines score fixed boxes", "[wsol]") {
  EvaluatedImage a, b;
  a.geometry.crop = b.geometry.crop = 100;
  a.gt = {{0, 0, 100, 100}};  // the whole crop: the full-image box is exact
  b.gt = {{30, 30, 70, 70}};  // centred, 40 x 40
  const BaselineScores full = full_image_baseline({a, b});
  CHECK(full.gt_known == 0.5);  // b: IoU 0.16
  // Mean GT size 70 x 70, centred: IoU with a = 0.49, with b = 1600/4900.
  const BaselineScores center = center_baseline({a, b});
  CHECK(center.gt_known == 0.0);
  CHECK(center.max_box_acc_v2 == Approx((2.0 + 0.0 + 0.0) / 6.0));  // both >= 0.3, none >= 0.5
}
