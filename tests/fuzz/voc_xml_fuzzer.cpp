// Fuzz target for Pascal-VOC XML annotations: the input is the XML of a
// voc-xml: folder holding one small picture; the folder opens (and its
// boxes are checked against the picture) or c2am::Error, nothing else.

#include <cstddef>
#include <cstdint>

#include "c2am/core/error.hpp"
#include "c2am/data/dataset.hpp"
#include "fuzz_scratch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool picture = [] {
    c2am::Image image(16, 12);
    std::filesystem::create_directories(c2am::fuzz::scratch() / "vocxml");
    c2am::write_png((c2am::fuzz::scratch() / "vocxml/a.png").string(), image);
    return true;
  }();
  (void)picture;
  c2am::fuzz::write_file("vocxml/a.xml", data, size);
  try {
    const auto dataset = c2am::open_voc_xml((c2am::fuzz::scratch() / "vocxml").string());
    for (const c2am::Sample& s : dataset->samples()) (void)c2am::check_boxes_against_image(s, 16, 12);
  } catch (const c2am::Error&) {
  }
  return 0;
}
