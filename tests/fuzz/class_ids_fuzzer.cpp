// Fuzz target for the class-id side files of other methods' CAMs
// (<id>.classes.txt): ids or c2am::Error, nothing else.

#include <cstddef>
#include <cstdint>

#include "c2am/core/error.hpp"
#include "c2am/wsss/cues.hpp"
#include "fuzz_scratch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = c2am::fuzz::write_file("x.classes.txt", data, size);
  try {
    (void)c2am::wsss::read_class_ids(path);
  } catch (const c2am::Error&) {
  }
  return 0;
}
