// Fuzz target for label maps (masks, cues) read with libpng: ids or
// c2am::Error, nothing else.

#include <cstddef>
#include <cstdint>

#include "c2am/core/error.hpp"
#include "c2am/data/image.hpp"
#include "c2am/data/label_map.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool limited = [] {
    c2am::set_max_image_pixels(1 << 22);
    return true;
  }();
  (void)limited;
  try {
    const c2am::LabelMap labels = c2am::decode_label_png(data, size, "fuzz-input");
    if (!labels.ids.empty()) (void)labels.ids.back();
    if (!labels.rgb.empty()) (void)labels.rgb.back();
  } catch (const c2am::Error&) {
  }
  return 0;
}
