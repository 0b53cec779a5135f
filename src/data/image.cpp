#include "c2am/data/image.hpp"

#include <stb_image.h>
#include <stb_image_write.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "c2am/core/error.hpp"
#include "io/atomic_file.hpp"

namespace c2am {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& message) {
  throw Error("image: " + source + ": " + message);
}

void check_writable(const Image& image, const std::string& path) {
  if (image.width < 1 || image.height < 1 || image.width > kMaxImageSide || image.height > kMaxImageSide ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    fail(path, "cannot write a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                   " image holding " + std::to_string(image.pixels.size()) + " bytes");
}

// stb's write callback: appends to a byte vector.
void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  out->insert(out->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
}

}  // namespace

Image decode_image(const std::uint8_t* data, std::size_t size, const std::string& source) {
  if (size == 0) fail(source, "empty file");
  if (size > static_cast<std::size_t>(INT32_MAX)) fail(source, "file too large to decode");
  const int length = static_cast<int>(size);
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(data, length, &width, &height, &channels))
    fail(source, std::string("cannot decode (") + stbi_failure_reason() + ")");
  if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide ||
      static_cast<std::int64_t>(width) * height > kMaxImagePixels)
    fail(source, "image of " + std::to_string(width) + "x" + std::to_string(height) +
                     " pixels exceeds the supported size (" + std::to_string(kMaxImageSide) + " per side)");
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load_from_memory(data, length, &width, &height, &channels, 3),
                                                   stbi_image_free);
  if (!pixels) fail(source, std::string("cannot decode (") + stbi_failure_reason() + ")");
  Image image;
  image.width = width;
  image.height = height;
  image.pixels.assign(pixels.get(), pixels.get() + static_cast<std::size_t>(width) * height * 3);
  return image;
}

Image read_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_image(bytes.data(), bytes.size(), path);
}

std::vector<std::uint8_t> encode_png(const Image& image) {
  check_writable(image, "<memory>");
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_png_to_func(append_bytes, &bytes, image.width, image.height, 3, image.pixels.data(), image.width * 3))
    fail("<memory>", "PNG encoding failed");
  return bytes;
}

// Encoded in memory, then written by the checked atomic writer: a full disk
// is an error and the previous file stays.
void write_png(const std::string& path, const Image& image) {
  check_writable(image, path);
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_png_to_func(append_bytes, &bytes, image.width, image.height, 3, image.pixels.data(), image.width * 3))
    fail(path, "PNG encoding failed");
  io::write_file_atomically(path, bytes.data(), bytes.size(), "image");
}

void write_gray_png(const std::string& path, int width, int height, const std::vector<std::uint8_t>& pixels) {
  if (width < 1 || height < 1 || pixels.size() != static_cast<std::size_t>(width) * height)
    fail(path, "cannot write a " + std::to_string(width) + "x" + std::to_string(height) + " gray image from " +
                   std::to_string(pixels.size()) + " pixels");
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_png_to_func(append_bytes, &bytes, width, height, 1, pixels.data(), width))
    fail(path, "PNG encoding failed");
  io::write_file_atomically(path, bytes.data(), bytes.size(), "image");
}

void write_jpeg(const std::string& path, const Image& image, int quality) {
  check_writable(image, path);
  if (quality < 1 || quality > 100) fail(path, "JPEG quality must be in [1, 100], got " + std::to_string(quality));
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_jpg_to_func(append_bytes, &bytes, image.width, image.height, 3, image.pixels.data(), quality))
    fail(path, "JPEG encoding failed");
  io::write_file_atomically(path, bytes.data(), bytes.size(), "image");
}

}  // namespace c2am
