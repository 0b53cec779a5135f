// Label maps are read as class ids, equal to what Pillow (the reference
// code's reader) gives as np.array(Image.open(path)), for every PNG layout
// in tests/data/labels (written by tools/make_label_fixtures.py); colour at
// 16 bits, JPEGs and truncated files are refused naming the file.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "c2am/c2am.hpp"
#include "c2am/data/label_map.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::error_message;
namespace fs = std::filesystem;

namespace {

const fs::path kLabels = fs::path(C2AM_TEST_DATA_DIR) / "labels";

nlohmann::json fixture_cases() {
  std::ifstream in(kLabels / "labels.json");
  REQUIRE(in);
  return nlohmann::json::parse(in)["cases"];
}

}  // namespace

TEST_CASE("label PNGs decode to Pillow's values in every layout", "[images][labels]") {
  std::size_t decoded = 0, refused = 0;
  for (const auto& c : fixture_cases()) {
    const std::string file = (kLabels / c["file"].get<std::string>()).string();
    INFO(file);
    if (c.contains("error")) {
      CHECK_THAT(error_message([&] { read_label_png(file); }), Catch::Contains(file));
      ++refused;
      continue;
    }
    const LabelMap labels = read_label_png(file);
    REQUIRE(labels.width == c["w"].get<int>());
    REQUIRE(labels.height == c["h"].get<int>());
    const auto expected = c["values"].get<std::vector<long>>();
    const int channels = c["channels"].get<int>();
    CHECK(labels.colour == (channels == 3));
    std::vector<long> got;
    if (labels.colour) got.assign(labels.rgb.begin(), labels.rgb.end());
    else got.assign(labels.ids.begin(), labels.ids.end());
    CHECK(got == expected);
    ++decoded;
  }
  CHECK(decoded == 15);
  CHECK(refused == 3);
}

TEST_CASE("label PNG refusals say what is wrong", "[images][labels]") {
  CHECK_THAT(error_message([&] { read_label_png((kLabels / "labels.jpg").string()); }),
             Catch::Contains("not a PNG") && Catch::Contains("JPEG"));
  CHECK_THAT(error_message([&] { read_label_png((kLabels / "colour16.png").string()); }),
             Catch::Contains("16-bit colour"));
  CHECK_THAT(error_message([&] { read_label_png((kLabels / "truncated.png").string()); }),
             Catch::Contains("truncated") || Catch::Contains("cannot decode"));
  CHECK_THAT(error_message([&] { read_label_png((kLabels / "absent.png").string()); }), Catch::Contains("cannot open"));
  // A size beyond the limits is refused from the header, before allocation.
  std::vector<std::uint8_t> bytes;
  {
    std::ifstream in(kLabels / "gray8.png", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::uint32_t huge = kMaxImageSide + 1;  // width field of IHDR, big-endian at offset 16
  for (int i = 0; i < 4; ++i) bytes[16 + i] = static_cast<std::uint8_t>(huge >> (24 - 8 * i));
  CHECK_THAT(error_message([&] { decode_label_png(bytes.data(), bytes.size(), "huge.png"); }),
             Catch::Contains("huge.png") && Catch::Contains("32769x5 pixels exceeds the supported size"));
}
