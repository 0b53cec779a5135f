#pragma once
// The wrapper prefix of a PyTorch checkpoint's ResNet names (DataParallel's
// "module.", MoCo's "module.encoder_q.", a model's "backbone."), detected as
// the one whose removal lands the most file keys on the model's keys.

#include <set>
#include <string>

#include "c2am/io/weights.hpp"

namespace c2am::train {

// "" when no wrapper lands more keys than the names as they are. Keys are
// compared after options.add_prefix is prepended; options.ignore is honoured.
std::string detect_wrapper_prefix(const safetensors::NamedTensors& file, const std::set<std::string>& model_keys,
                                  const LoadOptions& options);

}  // namespace c2am::train
