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

// Throws c2am::Error "image: <source>: ..." naming the problem; sizes above
// kMaxImageSide / kMaxImagePixels are refused from the header, before the
// pixels are allocated.
Image decode_jpeg(const std::uint8_t* data, std::size_t size, const std::string& source);

}  // namespace c2am::detail
