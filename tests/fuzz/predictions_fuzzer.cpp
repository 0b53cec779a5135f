// Fuzz target for the classifier predictions file of `wsol eval
// --predictions` (wsol/predictions.hpp): predictions or c2am::Error.

#include <cstddef>
#include <cstdint>

#include "c2am/core/error.hpp"
#include "c2am/wsol/predictions.hpp"
#include "fuzz_scratch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = c2am::fuzz::write_file("predictions.txt", data, size);
  try {
    (void)c2am::wsol::read_class_predictions(path);
  } catch (const c2am::Error&) {
  }
  return 0;
}
