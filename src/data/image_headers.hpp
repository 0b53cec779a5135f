#pragma once
// What image files declare in their headers, read before any decoder runs:
// the format and the size, and whether the size breaks c2am's limits.

#include <cstddef>
#include <cstdint>
#include <string>

namespace c2am::detail {

bool is_jpeg(const std::uint8_t* data, std::size_t size);

// The size the first frame header (SOFn) declares, found by walking the
// marker segments: libjpeg reports it only after reading everything up to
// the first scan. False when no frame header is within `size` bytes.
bool jpeg_declared_size(const std::uint8_t* data, std::size_t size, std::int64_t& width, std::int64_t& height);

// The size a PNG's IHDR declares (stb gives up on very large PNGs with
// "unknown image type", hiding it). False when `data` has no IHDR first.
bool png_declared_size(const std::uint8_t* data, std::size_t size, std::int64_t& width, std::int64_t& height);

// Which limit width × height breaks (kMaxImageSide, max_image_pixels()), as
// the message every decoder gives; "" when none.
std::string size_limit_breach(std::int64_t width, std::int64_t height);

}  // namespace c2am::detail
