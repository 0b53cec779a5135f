// Fuzz target for the .npy reader (maps, CAMs): any input must read or raise
// c2am::Error naming the file; crashes, sanitizer reports, other exception
// types and allocations beyond the file's size are findings.

#include <cstddef>
#include <cstdint>

#include "c2am/core/error.hpp"
#include "c2am/io/npy.hpp"
#include "fuzz_scratch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = c2am::fuzz::write_file("input.npy", data, size);
  try {
    c2am::Shape shape;
    const auto values = c2am::read_npy(path, shape);
    if (!values.empty()) (void)values.back();
  } catch (const c2am::Error&) {
  }
  try {
    c2am::Shape shape;
    const auto values = c2am::read_npy_f64(path, shape);
    if (!values.empty()) (void)values.back();
  } catch (const c2am::Error&) {
  }
  return 0;
}
