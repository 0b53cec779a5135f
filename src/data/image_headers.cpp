#include "data/image_headers.hpp"

#include <cstring>

#include "c2am/data/image.hpp"

namespace c2am::detail {

bool is_jpeg(const std::uint8_t* data, std::size_t size) {
  return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

bool jpeg_declared_size(const std::uint8_t* data, std::size_t size, std::int64_t& width, std::int64_t& height) {
  std::size_t at = 2;  // after SOI
  while (at + 4 <= size) {
    if (data[at] != 0xFF) return false;
    const std::uint8_t marker = data[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return false;  // EOI or SOS before any frame
    const std::size_t length = static_cast<std::size_t>(data[at + 2]) << 8 | data[at + 3];
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame && at + 9 <= size) {
      height = static_cast<std::int64_t>(data[at + 5]) << 8 | data[at + 6];
      width = static_cast<std::int64_t>(data[at + 7]) << 8 | data[at + 8];
      return true;
    }
    at += 2 + length;
  }
  return false;
}

bool png_declared_size(const std::uint8_t* data, std::size_t size, std::int64_t& width, std::int64_t& height) {
  static constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size < 24 || std::memcmp(data, kSignature, 8) != 0 || std::memcmp(data + 12, "IHDR", 4) != 0) return false;
  const auto be32 = [&](std::size_t at) {
    return static_cast<std::int64_t>(data[at]) << 24 | data[at + 1] << 16 | data[at + 2] << 8 | data[at + 3];
  };
  width = be32(16);
  height = be32(20);
  return true;
}

std::string size_limit_breach(std::int64_t width, std::int64_t height) {
  const std::string size = std::to_string(width) + "x" + std::to_string(height) + " pixels";
  if (width < 1 || height < 1) return "image of " + size + " has no pixels";
  if (width > kMaxImageSide || height > kMaxImageSide)
    return "image of " + size + " exceeds the supported size (" + std::to_string(kMaxImageSide) + " per side)";
  const std::int64_t limit = max_image_pixels();
  if (width * height > limit)
    return "image of " + size + " (" + std::to_string(width * height) + ") exceeds the pixel limit (" +
           std::to_string(limit) +
           (limit == kPillowMaxImagePixels ? ", Pillow's decompression-bomb limit" : "") +
           "; --max-image-pixels sets it, up to " + std::to_string(kMaxImagePixels) + ")";
  return "";
}

}  // namespace c2am::detail
