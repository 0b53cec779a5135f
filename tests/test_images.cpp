// Image decoding and encoding, and the transforms against Pillow and
// torchvision's definitions (fixtures from tools/make_image_fixtures.py).

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

#include "c2am/data/image.hpp"
#include "c2am/data/transforms.hpp"
#include "c2am/io/safetensors.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::error_message;
using c2am::testing::TempDir;

namespace {

const std::string kImages = std::string(C2AM_TEST_DATA_DIR) + "/images/";

std::vector<int> pixels_of(const Image& image) { return {image.pixels.begin(), image.pixels.end()}; }

Image image_from_tensor(const Tensor& hwc) {
  Image image(static_cast<int>(hwc.size(1)), static_cast<int>(hwc.size(0)));
  const auto values = hwc.to_vector<double>();
  for (std::size_t i = 0; i < values.size(); ++i) image.pixels[i] = static_cast<std::uint8_t>(values[i]);
  return image;
}

Image random_image(int w, int h, Generator& gen) {
  Image image(w, h);
  for (auto& p : image.pixels) p = static_cast<std::uint8_t>(gen.below(256));
  return image;
}

}  // namespace

TEST_CASE("gray, gray+alpha, RGBA, palette and BMP images decode to RGB", "[images]") {
  CHECK(pixels_of(read_image(kImages + "gray.png")) == std::vector<int>{0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255});
  CHECK(pixels_of(read_image(kImages + "gray_alpha.png")) == std::vector<int>{10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40});
  const std::vector<int> rgb{255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3};
  CHECK(pixels_of(read_image(kImages + "rgba.png")) == rgb);  // alpha dropped, colour kept
  CHECK(pixels_of(read_image(kImages + "rgb.bmp")) == rgb);
  CHECK(pixels_of(read_image(kImages + "png_named.JPEG")) == rgb);  // content decides, not the name
  CHECK(pixels_of(read_image(kImages + "palette.png")) == std::vector<int>{200, 100, 50, 5, 6, 7, 5, 6, 7, 200, 100, 50});
  const Image gray = read_image(kImages + "gray.png");
  CHECK(gray.width == 2);
  CHECK(gray.height == 2);
}

TEST_CASE("PNG round trips exactly, JPEG closely, both written atomically", "[images]") {
  TempDir dir;
  Generator gen(51);
  const Image image = random_image(13, 7, gen);
  write_png(dir.file("a.png"), image);
  CHECK(read_image(dir.file("a.png")).pixels == image.pixels);
  Image smooth(16, 16);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) std::fill_n(smooth.at(x, y), 3, static_cast<std::uint8_t>(8 * x + 4 * y));
  write_jpeg(dir.file("b.jpg"), smooth, 95);
  const Image decoded = read_image(dir.file("b.jpg"));
  REQUIRE(decoded.pixels.size() == smooth.pixels.size());
  int worst = 0;
  for (std::size_t i = 0; i < smooth.pixels.size(); ++i)
    worst = std::max(worst, std::abs(int(decoded.pixels[i]) - int(smooth.pixels[i])));
  CHECK(worst <= 6);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()) == 2);
  CHECK_THAT(error_message([&] { write_png(dir.file("missing/dir/c.png"), image); }), Catch::Contains("missing/dir/c.png"));
}

TEST_CASE("undecodable files name the file and the reason", "[images][errors]") {
  TempDir dir;
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir.file(name), std::ios::binary) << bytes;
    return dir.file(name);
  };
  const std::string missing = dir.file("absent.jpg");
  CHECK_THAT(error_message([&] { read_image(missing); }), Catch::Contains(missing) && Catch::Contains("cannot open"));
  const std::string empty = write("empty.jpg", "");
  CHECK_THAT(error_message([&] { read_image(empty); }), Catch::Contains(empty) && Catch::Contains("empty"));
  const std::string text = write("text.jpg", "this is not an image");
  CHECK_THAT(error_message([&] { read_image(text); }), Catch::Contains(text) && Catch::Contains("not an image c2am reads"));

  // A PNG cut in the middle of its pixel data.
  Generator gen(52);
  write_png(dir.file("whole.png"), random_image(20, 20, gen));
  std::ifstream in(dir.file("whole.png"), std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string truncated = write("truncated.png", whole.substr(0, whole.size() / 2));
  CHECK_THAT(error_message([&] { read_image(truncated); }), Catch::Contains(truncated) && Catch::Contains("truncated PNG"));

  // A JPEG header claiming 40000 x 10000 pixels (which stb itself would
  // accept): refused from the header, before any pixel memory exists.
  const unsigned char header[] = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x27, 0x10, 0x9C, 0x40,
                                  0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00};
  const std::string huge_path = write("huge.jpg", std::string(reinterpret_cast<const char*>(header), sizeof header));
  CHECK_THAT(error_message([&] { read_image(huge_path); }),
             Catch::Contains(huge_path) && Catch::Contains("40000x10000") && Catch::Contains("exceeds"));
}

TEST_CASE("CMYK JPEGs (Adobe, as in ImageNet) decode to their RGB colour", "[images]") {
  // cmyk.jpg is solid C=0, M=255, Y=255, K=0: red.
  const Image image = read_image(kImages + "cmyk.jpg");
  CHECK((image.width == 16 && image.height == 12));
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const std::uint8_t* p = image.at(x, y);
      REQUIRE((p[0] >= 250 && p[1] <= 5 && p[2] <= 5));
    }
}

TEST_CASE("resize matches Pillow", "[images][transforms]") {
  std::map<std::string, Tensor> fixture;
  for (auto& [name, t] : safetensors::load(kImages + "resize_pil.safetensors")) fixture[name] = t;
  const Image source = image_from_tensor(fixture.at("source"));
  for (const auto& [name, expected_tensor] : fixture) {
    if (name == "source") continue;
    const Interpolation interpolation = name.rfind("bilinear", 0) == 0 ? Interpolation::Bilinear : Interpolation::Bicubic;
    const Image expected = image_from_tensor(expected_tensor);
    const Image actual = resize(source, expected.width, expected.height, interpolation);
    int worst = 0, differing = 0;
    for (std::size_t i = 0; i < actual.pixels.size(); ++i) {
      const int d = std::abs(int(actual.pixels[i]) - int(expected.pixels[i]));
      worst = std::max(worst, d);
      differing += d != 0;
    }
    INFO(name << ": worst difference " << worst << ", " << differing << " of " << actual.pixels.size() << " values differ");
    CHECK(worst == 0);
  }
}

TEST_CASE("crops and flips follow torchvision's definitions", "[images][transforms]") {
  Generator gen(53);
  const Image image = random_image(10, 7, gen);
  // CenterCrop: top = round((7 - 4) / 2) = 2 (1.5 rounds to even), left = round(3) = 3.
  const CropBox center = center_crop_box(10, 7, 4);
  CHECK((center.x == 3 && center.y == 2 && center.width == 4 && center.height == 4));
  const CropBox odd = center_crop_box(9, 6, 4);  // (5/2 = 2.5 -> 2, 2/2 = 1)
  CHECK((odd.x == 2 && odd.y == 1));
  const Image c = crop(image, center);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) REQUIRE(std::equal(c.at(x, y), c.at(x, y) + 3, image.at(x + 3, y + 2)));
  const Image f = hflip(image);
  for (int y = 0; y < 7; ++y)
    for (int x = 0; x < 10; ++x) REQUIRE(std::equal(f.at(x, y), f.at(x, y) + 3, image.at(9 - x, y)));

  // Random crops cover every offset, stay inside, and repeat with the seed.
  std::set<std::pair<int, int>> seen;
  Generator a(54), b(54);
  for (int i = 0; i < 400; ++i) {
    const CropBox box = random_crop_box(10, 7, 5, a);
    const CropBox again = random_crop_box(10, 7, 5, b);
    REQUIRE((box.x == again.x && box.y == again.y));
    REQUIRE((box.x >= 0 && box.x <= 5 && box.y >= 0 && box.y <= 2));
    seen.insert({box.x, box.y});
  }
  CHECK(seen.size() == 18);
  CHECK_THAT(error_message([&] { crop(image, {8, 0, 4, 4}); }), Catch::Contains("not inside"));
  CHECK_THAT(error_message([&] { center_crop_box(10, 7, 8); }), Catch::Contains("does not fit"));
}

TEST_CASE("to_tensor normalizes like torchvision", "[images][transforms]") {
  Image image(2, 1);
  const std::uint8_t values[6] = {0, 128, 255, 10, 20, 30};
  std::copy_n(values, 6, image.pixels.data());
  const Tensor t = to_tensor(image);
  CHECK(t.shape() == Shape{3, 1, 2});
  for (int ch = 0; ch < 3; ++ch)
    for (int x = 0; x < 2; ++x) {
      const float expected = (values[x * 3 + ch] / 255.0f - kImageNetMean[ch]) / kImageNetStd[ch];
      CHECK(t.at({ch, 0, x}) == expected);
    }
  const Tensor batch = to_batch({image, hflip(image)});
  CHECK(batch.shape() == Shape{2, 3, 1, 2});
  CHECK(batch.at({1, 0, 0, 0}) == t.at({0, 0, 1}));
  CHECK_THAT(error_message([&] { to_batch({image, Image(3, 1)}); }), Catch::Contains("image 1 is 3x1"));
}
