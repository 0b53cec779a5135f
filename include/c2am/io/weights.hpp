#pragma once
// Loading and saving a module's parameters and buffers as safetensors, with
// the options needed for checkpoints written by other programs: torchvision
// and MoCo/DetCo ResNets, the original release's checkpoints.

#include <string>
#include <vector>

#include "c2am/io/safetensors.hpp"
#include "c2am/nn/module.hpp"

namespace c2am {

struct LoadOptions {
  // Missing or unexpected keys are an error (the default); otherwise they
  // are returned in the report. Shape mismatches are always an error.
  bool strict = true;
  // Only file keys starting with this are used, with it removed
  // ("module.encoder_q." for MoCo checkpoints); other keys are skipped.
  std::string strip_prefix;
  // Prepended to file keys after stripping ("backbone." to load a plain
  // torchvision ResNet file into c2am::Model).
  std::string add_prefix;
  // File keys (after both prefix steps) matching one of these patterns are
  // skipped; '*' matches any run of characters ("backbone.fc.*").
  std::vector<std::string> ignore;
};

struct LoadReport {
  std::vector<std::string> missing;     // module keys the file did not provide
  std::vector<std::string> unexpected;  // file keys the module does not have
  std::size_t loaded = 0;
  std::size_t skipped = 0;  // ignored, or without the strip prefix
};

// Copies `tensors` into the module's parameters and buffers (converting
// dtype and device). Everything is checked before anything is copied, so a
// failed load leaves the module unchanged. A shape mismatch names the first
// mismatching key and both shapes.
LoadReport load_state(nn::Module& module, const safetensors::NamedTensors& tensors, const LoadOptions& options = {},
                      const std::string& source = "<memory>");
LoadReport load_weights(nn::Module& module, const std::string& path, const LoadOptions& options = {});

// Writes every parameter and buffer to `path` atomically.
void save_weights(const nn::Module& module, const std::string& path, const safetensors::Metadata& metadata = {});

// Whether `text` matches `pattern`, where '*' matches any run of characters.
bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace c2am
