// Fuzz target for trained-model files (model.safetensors, checkpoints) as
// `maps`, `wsol` and `wsss` load them: the recorded configuration and the
// tensors must build a model or raise c2am::Error, nothing else.

#include <cstddef>
#include <cstdint>

#include "c2am/core/error.hpp"
#include "c2am/inference.hpp"
#include "fuzz_scratch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = c2am::fuzz::write_file("model.safetensors", data, size);
  try {
    (void)c2am::load_trained_model(path);
  } catch (const c2am::Error&) {
  }
  return 0;
}
