// The WSOL protocols against their reference codes, number for number:
// - OpenCV's INTER_CUBIC resize and findContours(RETR_TREE) on fixtures
//   written by tools/make_opencv_fixtures.py (tests/data/opencv);
// - wsolevaluation's BoxEvaluator and the C²AM release's WSOL test on 60
//   maps whose outputs were produced by running those codes themselves
//   (tests/data/wsol-reference, a copy of the shared fixture; its README
//   says how it was made).

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "c2am/io/npy.hpp"
#include "c2am/wsol/boxes.hpp"
#include "c2am/wsol/evaluate.hpp"
#include "c2am/wsol/metrics.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using namespace c2am::wsol;
using nlohmann::json;

namespace {

const std::string kData = C2AM_TEST_DATA_DIR;

json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return json::parse(in);
}

double from_hex_bits(const std::string& text) { return std::bit_cast<double>(std::stoull(text, nullptr, 16)); }

struct FixtureImage {
  std::string id;
  int width = 0, height = 0;
  std::vector<Box> boxes;
  ScoreMap map;
};

std::vector<FixtureImage> read_fixture_images() {
  const std::string dir = kData + "/wsol-reference";
  std::vector<FixtureImage> images;
  std::map<std::string, std::size_t> index;
  std::ifstream sizes(dir + "/images.tsv");
  std::string line;
  std::getline(sizes, line);  // header
  while (std::getline(sizes, line)) {
    std::istringstream fields(line);
    FixtureImage image;
    int map_width = 0, map_height = 0;
    fields >> image.id >> image.width >> image.height >> map_width >> map_height;
    Shape shape;
    image.map.values = read_npy(dir + "/maps/" + image.id + ".npy", shape);
    REQUIRE(shape == Shape{map_height, map_width});
    image.map.width = map_width, image.map.height = map_height;
    index[image.id] = images.size();
    images.push_back(std::move(image));
  }
  std::ifstream boxes(dir + "/boxes.tsv");
  std::getline(boxes, line);
  while (std::getline(boxes, line)) {
    std::istringstream fields(line);
    std::string id;
    Box b;
    fields >> id >> b.x0 >> b.y0 >> b.x1 >> b.y1;
    images.at(index.at(id)).boxes.push_back(b);
  }
  REQUIRE(images.size() == 60);
  return images;
}

std::vector<int> box_ints(const Box& b) {
  return {static_cast<int>(b.x0), static_cast<int>(b.y0), static_cast<int>(b.x1), static_cast<int>(b.y1)};
}

}  // namespace

TEST_CASE("bicubic resize equals OpenCV's INTER_CUBIC bit for bit", "[wsol][reference]") {
  const json fixture = read_json(kData + "/opencv/resize_cubic.json");
  REQUIRE(fixture.at("encoding") == "ieee754-binary64-hex-bits");
  int cases = 0;
  for (const json& c : fixture.at("cases")) {
    ScoreMap64 src{c.at("src_w"), c.at("src_h"), {}};
    for (const auto& v : c.at("src")) src.values.push_back(from_hex_bits(v));
    const ScoreMap64 out = resize_bicubic(src, c.at("dst_w"), c.at("dst_h"));
    std::size_t mismatches = 0;
    const auto& dst = c.at("dst");
    REQUIRE(out.values.size() == dst.size());
    for (std::size_t i = 0; i < dst.size(); ++i) mismatches += out.values[i] != from_hex_bits(dst[i]);
    INFO(src.width << "x" << src.height << " -> " << out.width << "x" << out.height);
    CHECK(mismatches == 0);
    ++cases;
  }
  CHECK(cases >= 40);
}

TEST_CASE("contours equal OpenCV's findContours(RETR_TREE): order, boxes, areas, parents", "[wsol][reference]") {
  const json fixture = read_json(kData + "/opencv/contours.json");
  int cases = 0;
  for (const json& c : fixture.at("cases")) {
    const int w = c.at("w"), h = c.at("h");
    const std::string bits = c.at("mask");
    std::vector<std::uint8_t> mask;
    for (char ch : bits) mask.push_back(ch == '1');
    const std::vector<Contour> ours = find_contours(mask, w, h);
    const json& theirs = c.at("contours");
    INFO("case " << cases << ": " << w << "x" << h);
    REQUIRE(ours.size() == theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
      INFO("contour " << i);
      const json& rect = theirs[i].at("rect");
      CHECK(std::vector<int>{ours[i].x, ours[i].y, ours[i].width, ours[i].height} == rect.get<std::vector<int>>());
      CHECK(ours[i].area == theirs[i].at("area").get<double>());
      CHECK(ours[i].parent == c.at("hierarchy")[i][3].get<int>());
    }
    ++cases;
  }
  CHECK(cases >= 60);
}

TEST_CASE("wsolevaluation: boxes, per-image curves and MaxBoxAccV2 equal the reference's", "[wsol][reference]") {
  const json fixture = read_json(kData + "/wsol-reference/wsolevaluation.json");
  const auto taus = box_acc_thresholds();
  REQUIRE(fixture.at("cam_thresholds").get<std::vector<double>>() == taus);
  // Maps upsampled to each image's size, and wsolevaluation's end-to-end
  // protocol (images and boxes resized to 224×224).
  const auto input_size = GENERATE(0, 224);
  const json& block = fixture.at(input_size == 0 ? "at_image_size" : "at_224");
  INFO("input size " << input_size);
  Evaluator evaluator(taus, Protocol::wsolevaluation);
  for (const FixtureImage& image : read_fixture_images()) {
    INFO("image " << image.id);
    const ScoreMap64 wide{image.map.width, image.map.height,
                          std::vector<double>(image.map.values.begin(), image.map.values.end())};
    const ScoreMap64 map = wsolevaluation_map(wide, image.width, image.height, input_size);
    const std::vector<Box> gt = wsolevaluation_boxes(image.boxes, image.width, image.height, input_size);
    std::vector<std::vector<int>> gt_ints;
    for (const Box& b : gt) gt_ints.push_back(box_ints(b));
    CHECK(gt_ints == block.at("gt_boxes_evaluated").at(image.id).get<std::vector<std::vector<int>>>());
    for (const char* mode : {"multi_contour", "single_contour"}) {
      const json& expected = block.at(mode).at("per_image").at(image.id);
      const bool multi = std::string(mode) == "multi_contour";
      INFO(mode);
      const auto gray = to_uint8(map);
      std::size_t sum = 0;
      for (auto v : gray) sum += v;
      CHECK(static_cast<int>(*std::max_element(gray.begin(), gray.end())) == expected.at("u8_max").get<int>());
      CHECK(sum == expected.at("u8_sum").get<std::size_t>());
      for (const char* named : {"0.2", "0.5", "0.8"}) {
        const double t = std::stod(named);
        const std::vector<Box> boxes = multi ? all_region_boxes(map, t) : std::vector<Box>{largest_region_box(map, t)};
        std::vector<std::vector<int>> ints;
        for (const Box& b : boxes) ints.push_back(box_ints(b));
        INFO("threshold " << named);
        CHECK(ints == expected.at(named).at("boxes").get<std::vector<std::vector<int>>>());
        CHECK(best_iou(boxes, gt) == Approx(expected.at(named).at("best_iou").get<double>()).epsilon(1e-12));
      }
      for (std::size_t d = 0; d < kBoxAccIous.size(); ++d) {
        const std::string key = std::to_string(static_cast<int>(std::lround(kBoxAccIous[d] * 100)));
        std::string correct;
        for (double t : taus) {
          const std::vector<Box> boxes = multi ? all_region_boxes(map, t) : std::vector<Box>{largest_region_box(map, t)};
          correct += localized(best_iou(boxes, gt), kBoxAccIous[d], Protocol::wsolevaluation) ? '1' : '0';
        }
        INFO("delta " << key);
        CHECK(correct == expected.at("correct").at(key).get<std::string>());
      }
    }
    evaluator.add(map, gt);
  }
  // The totals as the evaluator accumulates them: counts per τ, exactly.
  const json& multi = block.at("multi_contour");
  const json& single = block.at("single_contour");
  const auto curves = evaluator.box_acc(), single_curves = evaluator.single_box_acc();
  for (std::size_t d = 0; d < 3; ++d) {
    const std::string key = std::to_string(static_cast<int>(std::lround(kBoxAccIous[d] * 100)));
    const auto counts = multi.at("num_correct").at(key).get<std::vector<int>>();
    const auto single_counts = single.at("num_correct").at(key).get<std::vector<int>>();
    for (std::size_t t = 0; t < taus.size(); ++t) {
      CHECK(std::lround(curves[d][t] * 60) == counts[t]);
      CHECK(std::lround(single_curves[d][t] * 60) == single_counts[t]);
    }
    CHECK(evaluator.max_box_acc()[d] * 100 == Approx(multi.at("max_box_acc").at(key).get<double>()).epsilon(1e-12));
  }
  CHECK(evaluator.max_box_acc_v2() * 100 == Approx(multi.at("max_box_acc_v2").get<double>()).epsilon(1e-12));
  CHECK(evaluator.max_box_acc_v2() * 100 == Approx(53.333333333333336).epsilon(1e-12));  // both blocks
  // GT-known under this protocol: single-contour MaxBoxAcc at δ = 0.5.
  const auto known = evaluator.gt_known();
  CHECK(*std::max_element(known.begin(), known.end()) * 100 ==
        Approx(single.at("max_box_acc").at("50").get<double>()).epsilon(1e-12));
}

TEST_CASE("release protocol: ground truth, boxes, IoU and GT-known equal the release's", "[wsol][reference]") {
  const json fixture = read_json(kData + "/wsol-reference/release.json");
  const auto thresholds = release_thresholds();
  REQUIRE(fixture.at("thresholds").get<std::vector<double>>() == thresholds);
  const auto images = read_fixture_images();
  for (const char* run_name : {"S448", "S450"}) {
    const json& run = fixture.at("runs").at(run_name);
    EvalOptions options;
    options.resize = 480;
    options.crop = run.at("crop");
    options.protocol = Protocol::release;
    Evaluator evaluator(thresholds, Protocol::release);
    INFO(run_name);
    for (const FixtureImage& image : images) {
      INFO("image " << image.id);
      const json& expected = run.at("per_image").at(image.id);
      const CropGeometry geometry = crop_geometry(image.width, image.height, options);
      std::vector<Box> gt;
      for (const Box& b : image.boxes) gt.push_back(geometry.to_crop(b, Protocol::release));
      for (std::size_t k = 0; k < gt.size(); ++k) {
        const auto coords = expected.at("gt_crop")[k].get<std::vector<float>>();
        CHECK(std::vector<float>{gt[k].x0, gt[k].y0, gt[k].x1, gt[k].y1} == coords);
      }
      const double factor = static_cast<double>(options.crop) / image.map.width;
      CHECK(factor == expected.at("factor").get<double>());
      std::string correct;
      for (std::size_t i = 0; i < thresholds.size(); ++i) {
        Box box = largest_region_box(image.map, thresholds[i], Protocol::release);
        box = {static_cast<float>(box.x0 * factor), static_cast<float>(box.y0 * factor),
               static_cast<float>(box.x1 * factor), static_cast<float>(box.y1 * factor)};
        const double value = iou(box, gt.front(), Protocol::release);
        const double reference = expected.at("iou")[i].get<double>();
        CHECK(((std::isnan(value) && std::isnan(reference)) || value == reference));
        correct += localized(value, 0.5, Protocol::release) ? '1' : '0';
      }
      CHECK(correct == expected.at("correct").get<std::string>());
      evaluator.add(image.map, gt, -1, {}, factor);
    }
    const auto counts = run.at("correct").get<std::vector<int>>();
    const auto known = evaluator.gt_known();
    for (std::size_t i = 0; i < thresholds.size(); ++i) CHECK(std::lround(known[i] * 60) == counts[i]);
  }
}

// The tests above read the copy in tests/data so that the suite runs without
// ../shared; where the shared fixture is present beside the checkout, the
// copy must still be it, file for file (a changed shared fixture is noticed).
TEST_CASE("tests/data/wsol-reference is the shared fixture, where that is present", "[wsol][reference]") {
  namespace fs = std::filesystem;
  const fs::path copy = fs::path(kData) / "wsol-reference";
  const fs::path shared = fs::path(kData) / "../../../shared/fixtures/wsol-reference";
  if (!fs::is_directory(shared)) {
    WARN("no shared fixture at " << shared.string() << "; only the copy in tests/data is checked");
    return;
  }
  const auto bytes = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(shared)) {
    if (!entry.is_regular_file()) continue;
    const fs::path relative = fs::relative(entry.path(), shared);
    INFO(relative.string());
    REQUIRE(fs::is_regular_file(copy / relative));
    CHECK(bytes(entry.path()) == bytes(copy / relative));
    ++files;
  }
  CHECK(files > 60);
}
