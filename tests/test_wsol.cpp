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

TEST_CASE("uint8 scaling truncates, the threshold is strict, out-of-range maps are refused", "[wsol]") {
  ScoreMap m{4, 1, {0.5f, 1.0f, 0.999f, 0.0f}};
  CHECK(to_uint8(m) == std::vector<std::uint8_t>{127, 255, 254, 0});
  // max 255, t = 0.5: cut int(127.5) = 127, so 127 is out and 128 is in.
  ScoreMap edge{3, 1, {127.0f / 255, 128.0f / 255, 1.0f}};
  const auto regions = threshold_regions(edge, 0.5);
  REQUIRE(regions.size() == 1);
  CHECK(regions[0].box.x0 == 1);
  CHECK_THAT(c2am::testing::error_message([] { (void)to_uint8(ScoreMap{2, 1, {0.5f, 2.0f}}); }),
             Catch::Contains("2") && Catch::Contains("outside [0, 1]") && Catch::Contains("x 1"));
  CHECK_THAT(c2am::testing::error_message([] { (void)to_uint8(ScoreMap{1, 1, {NAN}}); }),
             Catch::Contains("outside [0, 1]"));
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
  // OpenCV's order: the region found last in the raster scan comes first.
  CHECK(regions[0].contour_area == 9.0);   // 4x4 pixel centres: 3 x 3
  CHECK(regions[1].contour_area == 4.0);   // 3x3: 2 x 2
  const Box largest = largest_region_box(m, 0.5);
  INFO(str(largest));
  CHECK(same(largest, {6, 2, 9, 6}));  // x1 = 6 + 4 = 10 clipped to width - 1 = 9
  const auto boxes = all_region_boxes(m, 0.5);
  REQUIRE(boxes.size() == 2);
  CHECK(same(boxes[1], {1, 1, 4, 4}));
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
  REQUIRE(regions.size() == 3);
  CHECK(same(regions[0].box, {0, 0, 9, 7}));  // the diagonal tail joins the ring
  CHECK_FALSE(regions[0].hole);
  CHECK(same(regions[1].box, {2, 2, 9, 7}));  // the ring's hole, traced along the ring (RETR_TREE)
  CHECK(regions[1].hole);
  CHECK(same(regions[2].box, {5, 4, 6, 5}));  // the island inside the hole
  CHECK(regions[2].contour_area == 0.0);      // one pixel
  CHECK(regions[0].contour_area > regions[2].contour_area);
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
  const ScoreMap64 constant64{5, 4, std::vector<double>(20, 0.7)};
  CHECK(normalize_min_max(constant64).values == std::vector<double>(20, 0.0));
}

TEST_CASE("equal contour areas: the region found last wins, as in wsolevaluation and the release", "[wsol]") {
  // Two one-pixel regions (area 0 each): the later one in raster order.
  CHECK(same(largest_region_box(ScoreMap{3, 1, {1, 0, 1}}, 0.5), {2, 0, 2, 0}));
  const ScoreMap twins = map_of({
      "........",
      ".#......",
      "........",
      "........",
      "........",
      "........",
      ".....#..",
      "........",
  });
  CHECK(same(largest_region_box(twins, 0.5), {5, 6, 6, 7}));
}

TEST_CASE("min-max normalization as wsolevaluation's normalize_scoremap", "[wsol]") {
  const ScoreMap64 m{3, 1, {2.0, 4.0, 3.0}};
  CHECK(normalize_min_max(m).values == std::vector<double>{0.0, 1.0, 0.5});
  CHECK_THROWS_AS(normalize_min_max(ScoreMap64{2, 1, {0.0, NAN}}), Error);
}

TEST_CASE("IoU: inclusive pixel areas (wsolevaluation), continuous float32 (release)", "[wsol][metrics]") {
  // wsolevaluation: areas (x1 − x0 + 1)(y1 − y0 + 1): 6×6 / (11² + 11² − 36).
  CHECK(iou({0, 0, 10, 10}, {5, 5, 15, 15}) == Approx(36.0 / 206.0));
  CHECK(iou({2, 2, 6, 6}, {2, 2, 8, 8}) == Approx(25.0 / 49.0));  // ≥ 0.5: counts at δ = 0.5
  CHECK(iou({0, 0, 10, 10}, {11, 0, 20, 10}) == 0.0);
  CHECK(iou({0, 0, 10, 10}, {10, 0, 20, 10}) == Approx(11.0 / (121 + 121 - 11)));  // one shared column
  // The release: areas (x1 − x0)(y1 − y0), IoU > 0.5 to count.
  CHECK(iou({0, 0, 10, 10}, {5, 5, 15, 15}, Protocol::release) == Approx(25.0 / 175.0));
  CHECK(iou({0, 0, 10, 10}, {10, 0, 20, 10}, Protocol::release) == 0.0);
  CHECK(std::isnan(iou({}, {}, Protocol::release)));  // 0/0 ...
  CHECK(localized(std::nan(""), 0.5, Protocol::release));  // ... counts as correct in the release's loop
  CHECK_FALSE(localized(0.5, 0.5, Protocol::release));
  CHECK(localized(0.5, 0.5, Protocol::wsolevaluation));
  CHECK(best_iou({{0, 0, 2, 2}, {0, 0, 10, 10}}, {{20, 20, 30, 30}, {0, 0, 10, 5}}, Protocol::release) ==
        Approx(0.5));
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
  CHECK(release_thresholds()[6] == 7 / 20.0);  // not 7 × 0.05, one unit in the last place apart
  CHECK(release_thresholds()[6] != 7 * 0.05);
  CHECK(box_acc_thresholds().size() == 100);
  CHECK(box_acc_thresholds()[7] == 7 * 0.01);
}

TEST_CASE("the test transform maps boxes into the crop and back", "[wsol]") {
  EvalOptions o;
  o.resize = 480;
  o.crop = 448;
  const CropGeometry g = crop_geometry(960, 240, o);  // x scale 0.5, y scale 2, crop offset 16
  const Box in_crop = g.to_crop({100, 20, 500, 100}, Protocol::wsolevaluation);
  CHECK(in_crop.x0 == Approx(50 - 16));
  CHECK(in_crop.y0 == Approx(40 - 16));
  CHECK(in_crop.x1 == Approx(250 - 16));
  CHECK(in_crop.y1 == Approx(200 - 16));
  const Box back = g.to_original(in_crop);
  CHECK(back.x0 == Approx(100));
  CHECK(back.y1 == Approx(100));
  // Parts outside the crop are clipped to it (wsolevaluation refuses
  // coordinates outside the image); the release keeps them.
  const Box clipped = g.to_crop({0, 0, 960, 240}, Protocol::wsolevaluation);
  CHECK((clipped.x0 == 0 && clipped.y0 == 0 && clipped.x1 == 448 && clipped.y1 == 448));
  const Box kept = g.to_crop({0, 0, 960, 240}, Protocol::release);
  CHECK((kept.x0 == -16 && kept.y0 == -16 && kept.x1 == 464 && kept.y1 == 464));
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

TEST_CASE("a map symmetric about the image centre gives a centred box (no placement bias)", "[wsol]") {
  // 12×12 cells for a 96-pixel image (the demo's stride 8), a symmetric blob
  // on cells 3..8: under both protocols the box is centred on pixel 48, so
  // the demo's down-right shift of boxes does not come from the map ↔ image
  // placement (docs/wsol.md explains where it comes from).
  ScoreMap cells{12, 12, std::vector<float>(144, 0.0f)};
  for (int y = 3; y <= 8; ++y)
    for (int x = 3; x <= 8; ++x) cells.values[y * 12 + x] = (y == 3 || y == 8 || x == 3 || x == 8) ? 0.6f : 1.0f;
  const ScoreMap64 wide{12, 12, std::vector<double>(cells.values.begin(), cells.values.end())};
  const ScoreMap64 up = wsolevaluation_map(wide, 96, 96);
  for (double t : {0.2, 0.4, 0.5, 0.7, 0.9}) {
    const Box b = largest_region_box(up, t);
    INFO("threshold " << t << ": " << str(b));
    // boundingRect: x1 = x0 + width, so a box over pixels a … 95 − a is (a, a, 96 − a, 96 − a).
    CHECK(b.x0 + b.x1 == 96);
    CHECK(b.y0 + b.y1 == 96);
    const Box r = largest_region_box(cells, t, Protocol::release);
    CHECK(r.x0 + r.x1 == 12);
  }
}
