#pragma once
// JPEG decoding with libjpeg-turbo, pixel for pixel as Pillow decodes
// (Image.open(path).convert('RGB'), what the reference code runs): ISLOW
// IDCT, fancy upsampling, gray replicated to RGB, CMYK/YCCK converted with
// Pillow's formula (Adobe files inverted first), EXIF orientation ignored.
// Refused as Pillow refuses: a truncated file, a file without image data;
// accepted as Pillow accepts: corrupt entropy-coded data, stray bytes.

#include <cstddef>
#include <cstdint>
#include <string>

#include "c2am/data/image.hpp"

namespace c2am::detail {

bool is_jpeg(const std::uint8_t* data, std::size_t size);

// The size the first frame header (SOFn) declares, found by walking the
// marker segments; false when no frame header is within `size` bytes.
bool jpeg_declared_size(const std::uint8_t* data, std::size_t size, std::int64_t& width, std::int64_t& height);

// Throws c2am::Error "image: <source>: ..." naming the problem; sizes above
// kMaxImageSide / kMaxImagePixels are refused from the header, before the
// pixels are allocated.
Image decode_jpeg(const std::uint8_t* data, std::size_t size, const std::string& source);

// The limit message shared by every decoder: which limit `width` × `height` breaks, or "" when none.
std::string size_limit_breach(std::int64_t width, std::int64_t height);

}  // namespace c2am::detail
