// JPEG pixels equal Pillow's (Image.open(path).convert('RGB'), the reference
// code's decoder) on every variant of tests/data/jpeg, written with Pillow by
// tools/make_jpeg_fixtures.py; what Pillow refuses is refused, naming the file.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "c2am/c2am.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::error_message;
namespace fs = std::filesystem;

namespace {

const fs::path kJpeg = fs::path(C2AM_TEST_DATA_DIR) / "jpeg";

std::vector<std::uint8_t> bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("JPEG pixels equal Pillow's in every variant, and Pillow's refusals are ours", "[images][jpeg]") {
  std::ifstream in(kJpeg / "jpeg.json");
  REQUIRE(in);
  const auto fixture = nlohmann::json::parse(in);
  std::size_t decoded = 0, refused = 0;
  for (const auto& c : fixture["cases"]) {
    const std::string file = (kJpeg / c["file"].get<std::string>()).string();
    INFO(file);
    if (c.contains("error")) {
      CHECK_THAT(error_message([&] { read_image(file); }), Catch::Contains(file));
      ++refused;
      continue;
    }
    const Image image = read_image(file);
    REQUIRE(image.width == c["w"].get<int>());
    REQUIRE(image.height == c["h"].get<int>());
    const std::vector<std::uint8_t> expected = bytes_of(kJpeg / c["pixels"].get<std::string>());
    REQUIRE(image.pixels.size() == expected.size());
    std::size_t differing = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) differing += image.pixels[i] != expected[i];
    CHECK(differing == 0);
    ++decoded;
  }
  CHECK(decoded == 13);
  CHECK(refused == 2);
}

TEST_CASE("JPEG refusals say what is wrong", "[images][jpeg]") {
  CHECK_THAT(error_message([&] { read_image((kJpeg / "truncated.jpg").string()); }), Catch::Contains("truncated"));
  CHECK_THAT(error_message([&] { read_image((kJpeg / "no_scan.jpg").string()); }),
             Catch::Contains("no_scan.jpg") && Catch::Contains("missing SOS marker"));
  // A header declaring more pixels than the limits is refused before the
  // pixels are allocated: SOF0's height and width (big-endian) patched.
  std::vector<std::uint8_t> bytes = bytes_of(kJpeg / "baseline_420.jpg");
  std::size_t sof = 2;
  while (sof + 9 < bytes.size() && !(bytes[sof] == 0xFF && bytes[sof + 1] == 0xC0)) ++sof;
  REQUIRE(sof + 9 < bytes.size());
  bytes[sof + 5] = 0x4E, bytes[sof + 6] = 0x20;  // height 20000
  bytes[sof + 7] = 0x4E, bytes[sof + 8] = 0x20;  // width 20000
  CHECK_THAT(error_message([&] { decode_image(bytes.data(), bytes.size(), "bomb.jpg"); }),
             Catch::Contains("bomb.jpg: image of 20000x20000 pixels (400000000) exceeds the pixel limit (178956970, "
                             "Pillow's decompression-bomb limit"));
}

TEST_CASE("PNG headers beyond the limits name the limit that applies", "[images]") {
  // IHDR of a PNG, patched: stb alone would say "unknown image type".
  Image small(4, 4);
  std::vector<std::uint8_t> png = encode_png(small);
  const auto patch = [&](std::uint32_t width, std::uint32_t height) {
    for (int i = 0; i < 4; ++i) png[16 + i] = static_cast<std::uint8_t>(width >> (24 - 8 * i));
    for (int i = 0; i < 4; ++i) png[20 + i] = static_cast<std::uint8_t>(height >> (24 - 8 * i));
    return error_message([&] { decode_image(png.data(), png.size(), "big.png"); });
  };
  CHECK_THAT(patch(17068, 17068), Catch::Contains("image of 17068x17068 pixels (291316624) exceeds the pixel limit "
                                                  "(178956970, Pillow's decompression-bomb limit"));
  CHECK_THAT(patch(30000, 10000), Catch::Contains("exceeds the pixel limit"));
  CHECK_THAT(patch(40000, 10), Catch::Contains("(32768 per side)"));
  // Just above Pillow's limit (where Pillow's Image.open refuses too).
  CHECK_THAT(patch(13378, 13378), Catch::Contains("(178970884) exceeds the pixel limit"));
  // The limit can be set, up to kMaxImagePixels.
  set_max_image_pixels(1000);
  CHECK_THAT(patch(40, 30), Catch::Contains("(1200) exceeds the pixel limit (1000;"));
  set_max_image_pixels(kPillowMaxImagePixels);
  CHECK_THROWS_WITH(set_max_image_pixels(kMaxImagePixels + 1), Catch::Contains("1 to 268435456"));
}

TEST_CASE("formats c2am does not read are refused by signature", "[images]") {
  const auto refused = [](const std::string& bytes) {
    return error_message([&] {
      decode_image(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "x.img");
    });
  };
  CHECK_THAT(refused(std::string("GIF89a\x00\x40\x00\x40\x00\x00\x00;", 14)), Catch::Contains("GIF images are not supported"));
  CHECK_THAT(refused(std::string("RIFF\x10\x00\x00\x00WEBPVP8 ", 16)), Catch::Contains("WebP"));
  CHECK_THAT(refused(std::string("II*\x00\x08\x00\x00\x00", 8)), Catch::Contains("TIFF"));
  CHECK_THAT(refused("8BPS\x00\x01"), Catch::Contains("PSD"));
  CHECK_THAT(refused("P6\n16 16\n255\n"), Catch::Contains("PNM"));
  CHECK_THAT(refused("#?RADIANCE\n"), Catch::Contains("HDR"));
  CHECK_THAT(refused("hello, world"), Catch::Contains("not an image c2am reads"));
}

TEST_CASE("fuzzing findings in image decoding give clear errors", "[images][fuzz]") {
  const fs::path findings = fs::path(C2AM_TEST_DATA_DIR) / "../fuzz/corpus/image";
  // 711 bytes declaring 16384x16384: refused from the header, not decoded.
  CHECK_THAT(error_message([&] { read_image((findings / "jpeg-baseline-16384x16384.jpg").string()); }),
             Catch::Contains("16384x16384 pixels (268435456) exceeds the pixel limit"));
  // GIF headers of 14-35 bytes that made stb allocate gigabytes: refused by signature.
  for (const char* gif : {"fuzzer-oom-14b.gif", "gif-16384x16384-frame.gif"})
    CHECK_THAT(error_message([&] { read_image((findings / gif).string()); }), Catch::Contains("GIF images are not supported"));
  // A 90-byte PNG whose IDAT claims 1.2 GB (stb allocated it before reading).
  CHECK_THAT(error_message([&] { read_image((findings / "finding-png-idat-claims-1gib.png").string()); }),
             Catch::Contains("corrupt or truncated PNG") && Catch::Contains("chunk claims"));
  // A PNG cut inside a chunk header (stb read the length from past the end).
  CHECK_THAT(error_message([&] { read_image((findings / "finding-png-cut-chunk-header.png").string()); }),
             Catch::Contains("the file ends inside a chunk header"));
  // A Huffman table of more than 256 codes (stb wrote out of bounds): libjpeg refuses it.
  CHECK_THAT(error_message([&] { read_image((findings / "dht-overflow.jpg").string()); }),
             Catch::Contains("dht-overflow.jpg: cannot decode the JPEG"));
}

TEST_CASE("peek_image_size reads the declared size without decoding", "[images]") {
  c2am::testing::TempDir dir;
  write_png(dir.str() + "/a.png", Image(37, 21));
  write_jpeg(dir.str() + "/b.jpg", Image(45, 29), 90);
  const auto png = peek_image_size(dir.str() + "/a.png");
  REQUIRE(png);
  CHECK((png->width == 37 && png->height == 21));
  const auto jpeg = peek_image_size((kJpeg / "exif_rotated.jpg").string());  // SOF after an EXIF segment
  REQUIRE(jpeg);
  CHECK((jpeg->width == 45 && jpeg->height == 29));
  const auto bmp = peek_image_size((fs::path(C2AM_TEST_DATA_DIR) / "images/rgb.bmp").string());
  REQUIRE(bmp);
  CHECK(bmp->width == read_image((fs::path(C2AM_TEST_DATA_DIR) / "images/rgb.bmp").string()).width);
  CHECK_FALSE(peek_image_size(dir.str() + "/absent.png"));
  CHECK_FALSE(peek_image_size((kJpeg / "../labels/labels.json").string()));
}
