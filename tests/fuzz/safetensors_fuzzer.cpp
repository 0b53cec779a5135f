// Fuzz target for the safetensors reader: any input must either load or
// raise c2am::Error. Anything else (a crash, a sanitizer report, another
// exception type, an allocation beyond the input's size) is a finding.
//
// Built with libFuzzer by `make fuzz` (clang, -DC2AM_FUZZ=ON); the same
// function is replayed over the committed corpus by the `fuzz_replay` test.

#include <cstddef>
#include <cstdint>

#include "c2am/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto tensors = c2am::safetensors::load_from_memory(data, size, "fuzz-input");
    // Touch every loaded element so that bad sizes would be caught by ASan.
    double sum = 0;
    for (const auto& [name, t] : tensors) {
      if (t.numel() > 0 && (t.dtype() == c2am::DType::Float32 || t.dtype() == c2am::DType::Float64))
        sum += t.to_vector<double>().back();
    }
    (void)sum;
  } catch (const c2am::Error&) {
    // A clear error is the expected outcome for a broken file.
  }
  return 0;
}
