#pragma once
// `c2am wsss refine train|infer`: the saliency network that refines the
// background cues (wsss/refine.hpp).

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>

namespace c2am::cli {

// Registers `refine` (with `train` and `infer`) under `wsss`; the function
// returned runs the one parsed, or returns nothing when neither was.
std::function<std::optional<int>()> add_refine(CLI::App* wsss);

}  // namespace c2am::cli
