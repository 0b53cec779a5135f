// WSSS pieces without the CRF: multi-scale maps, thresholded cues, mIoU.

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <iterator>
#include <cmath>
#include <fstream>

#include "c2am/data/dataset.hpp"
#include "c2am/wsss/cues.hpp"
#include "c2am/wsss/maps.hpp"
#include "c2am/wsss/report.hpp"
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
  CHECK(std::isnan(iou[3]));           // absent everywhere: 0 in the release's mean, out of the other
  CHECK(m.mean_iou(MeanOver::present_classes) == Approx(1.0 / 3.0));
  CHECK(m.mean_iou() == Approx(1.0 / 4.0));
  CHECK(m.mean_iou(MeanOver::all_classes) == Approx(1.0 / 4.0));
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

TEST_CASE("background cues: a clean map of the object survives the CRF", "[wsss][cues]") {
  SyntheticConfig config;
  config.count = 4;
  config.image_size = 64;
  config.seed = 9;
  const auto scene = make_synthetic(config);
  for (std::size_t i = 0; i < scene->size(); ++i) {
    const Image image = scene->load_image(i);
    int w = 0, h = 0;
    const std::vector<std::uint8_t> mask = scene->load_mask(i, w, h);
    // A soft map: 0.8 on the object, 0.1 elsewhere.
    std::vector<float> map(mask.size());
    for (std::size_t p = 0; p < map.size(); ++p) map[p] = mask[p] ? 0.8f : 0.1f;
    const std::vector<std::uint8_t> cue = background_cue(image, map);
    ConfusionMatrix m(2);
    m.add(cue_labels(cue), foreground_truth(mask));
    INFO("image " << i << ": fg/bg mIoU " << m.mean_iou());
    CHECK(std::all_of(cue.begin(), cue.end(), [](std::uint8_t v) { return v == 0 || v == 255; }));
    CHECK(m.mean_iou() > 0.9);
    // Nothing above the threshold: all background.
    const std::vector<float> low(mask.size(), 0.2f);
    const std::vector<std::uint8_t> none = background_cue(image, low);
    CHECK(std::all_of(none.begin(), none.end(), [](std::uint8_t v) { return v == 0; }));
  }
}

TEST_CASE("ground truth and cues as foreground/background labels", "[wsss][cues]") {
  CHECK(foreground_truth({0, 1, 15, 20, 255}) == std::vector<std::uint8_t>{0, 1, 1, 1, 255});
  CHECK(cue_labels({0, 255, 0}) == std::vector<std::uint8_t>{0, 1, 0});
}

TEST_CASE("refined CAMs: argmax of [1 - cue/255, CAMs], background wins ties", "[wsss][cues]") {
  // Four pixels, classes 15 (person) and 7 (car).
  const std::vector<std::uint8_t> cue{255, 0, 255, 255};
  const std::vector<float> cams{0.6f, 0.9f, 0.2f, 0.0f,   // person
                                0.3f, 0.1f, 0.7f, 0.0f};  // car
  // pixel 0: bg 0 < 0.6 → person; pixel 1: bg 1 > 0.9 → background;
  // pixel 2: car 0.7; pixel 3: all 0, tie → background.
  CHECK(refine_cams(cue, cams, {15, 7}) == std::vector<std::uint8_t>{15, 0, 7, 0});
  CHECK(refine_cams(cue, {}, {}) == std::vector<std::uint8_t>{0, 0, 0, 0});
  using c2am::testing::error_message;
  CHECK_THAT(error_message([&] { (void)refine_cams(cue, cams, {15}); }), Catch::Contains("8 CAM values"));
  CHECK_THAT(error_message([&] { (void)refine_cams(cue, cams, {15, 0}); }), Catch::Contains("class id 0"));
}

TEST_CASE("class-id side files", "[wsss][cues][errors]") {
  c2am::testing::TempDir dir;
  std::ofstream(dir.file("a.classes.txt")) << "15 7\n1\n";
  CHECK(read_class_ids(dir.file("a.classes.txt")) == std::vector<int>{15, 7, 1});
  std::ofstream(dir.file("b.classes.txt")) << "15 cat\n";
  using c2am::testing::error_message;
  CHECK_THAT(error_message([&] { (void)read_class_ids(dir.file("b.classes.txt")); }),
             Catch::Contains("b.classes.txt") && Catch::Contains("'cat'"));
  CHECK_THAT(error_message([&] { (void)read_class_ids(dir.file("none.classes.txt")); }),
             Catch::Contains("none.classes.txt"));
}

TEST_CASE("IoU reports: table and JSON per class", "[wsss]") {
  ConfusionMatrix m(3);
  m.add({0, 1, 1, 0}, {0, 1, 0, 0});  // class 2 absent
  const std::string table = iou_table(m, {"background", "cat"});
  CHECK_THAT(table, Catch::Contains("background") && Catch::Contains("cat") && Catch::Contains("class 2") &&
                        Catch::Contains("mIoU"));
  const std::string json = iou_json(m, {"background", "cat"});
  // background: TP 2, T 3, P 2 → 2/3; cat: TP 1, T 1, P 2 → 1/2; class 2 null.
  CHECK_THAT(json, Catch::Contains("\"iou\": null") && Catch::Contains("0.5") && Catch::Contains("0.666"));
}

namespace {

// VOC's palette colour of a class index, computed here from its definition
// (bit k of the index goes to bit 7 − ⌊k/3⌋ of channel k mod 3).
std::array<std::uint8_t, 3> palette_colour(int index) {
  std::array<std::uint8_t, 3> c{0, 0, 0};
  for (int bit = 0; bit < 8; ++bit)
    if (index >> bit & 1) c[bit % 3] |= static_cast<std::uint8_t>(0x80 >> (bit / 3));
  return c;
}

std::vector<std::uint8_t> palette_labels(const std::string& path) {
  const Image image = read_image(path);
  std::vector<std::uint8_t> labels;
  for (std::size_t p = 0; p < image.pixels.size(); p += 3) {
    int found = -1;
    for (int k : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 255})
      if (palette_colour(k) == std::array<std::uint8_t, 3>{image.pixels[p], image.pixels[p + 1], image.pixels[p + 2]})
        found = k;
    REQUIRE(found >= 0);
    labels.push_back(static_cast<std::uint8_t>(found));
  }
  return labels;
}

}  // namespace

TEST_CASE("mIoU equals the release's evaluate_using_background_cues.py on the shared fixture", "[wsss][reference]") {
  // 8 images; 4 of the 21 classes present; a class predicted but absent from
  // the ground truth; a block of predicted 255 (counts for no class).
  const std::string dir = std::string(C2AM_TEST_DATA_DIR) + "/wsol-reference/miou";
  std::ifstream in(dir + "/miou.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ConfusionMatrix m(21);
  for (const char* id : {"0000", "0001", "0002", "0003", "0004", "0005", "0006", "0007"})
    m.add(palette_labels(dir + "/pred/" + std::string(id) + ".png"), palette_labels(dir + "/gt/" + std::string(id) + ".png"));
  // Per class TP, T, P as the release counts them (from miou.json).
  const std::vector<std::array<std::int64_t, 3>> expected = {
      {0, 20482, 21799}, {4, 660, 1338}, {10, 1764, 2232}, {17, 353, 731}};
  for (const auto& [c, tp, t] : expected) {
    INFO("class " << c);
    CHECK(m.at(static_cast<int>(c), static_cast<int>(c)) == tp);
    CHECK(m.truth_pixels(static_cast<int>(c)) == t);
  }
  CHECK(m.predicted_pixels(0) == 20832);
  CHECK(m.predicted_pixels(11) == 70);
  CHECK(m.iou()[0] * 100 == Approx(92.47370084428151).epsilon(1e-13));
  CHECK(m.mean_iou() * 100 == Approx(10.01646835423628).epsilon(1e-13));                 // miou_percent_release
  CHECK(m.mean_iou(MeanOver::present_classes) * 100 == Approx(42.06916708779237).epsilon(1e-13));
  CHECK(text.find("10.01646835423628") != std::string::npos);  // the figures above are the fixture's
}

TEST_CASE("CAM refinement compares the background score in float64, as the release", "[wsss]") {
  // 1 − 80/255 is 0.68627450980… in float64 and exactly float32(175/255) in
  // float32: the CAM of 175/255 wins in float64 (the release), ties in float32.
  const float cam = 175.0f / 255.0f;
  REQUIRE(1.0f - 80.0f / 255.0f == cam);
  CHECK(refine_cams({80, 80}, {cam, cam}, {11}) == std::vector<std::uint8_t>{11, 11});
}
