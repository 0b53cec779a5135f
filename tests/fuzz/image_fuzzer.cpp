// Fuzz target for image decoding (JPEG through libjpeg-turbo, PNG and BMP
// through stb, every other format refused by signature), under c2am's size
// limits: decode or c2am::Error, nothing else.

#include <cstddef>
#include <cstdint>

#include "c2am/core/error.hpp"
#include "c2am/data/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Fuzzing runs at a small pixel limit so that every input finishes fast;
  // the limit logic itself is the same at any value.
  static const bool limited = [] {
    c2am::set_max_image_pixels(1 << 22);
    return true;
  }();
  (void)limited;
  try {
    const c2am::Image image = c2am::decode_image(data, size, "fuzz-input");
    if (!image.pixels.empty()) (void)image.pixels.back();
  } catch (const c2am::Error&) {
  }
  return 0;
}
