#pragma once
// The second WSOL stage on the command line: `c2am wsol regressor train`,
// `c2am wsol classifier train`, and `c2am wsol eval --regressor` (Top-1,
// Top-5 and GT-known Loc of the regressed boxes).

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

namespace c2am::cli {

// Registers `regressor train` and `classifier train` under `wsol`. The
// function returned runs the one parsed, or returns nothing when neither was.
std::function<std::optional<int>()> add_second_stage_training(CLI::App* wsol);

struct RegressorEvalRequest {
  std::string regressor, classifier, predictions, data, split, out, device = "cpu";
  bool split_given = false, progress = true, skip_unreadable = false;
  int resize = 256, crop = 224;  // the regressor's test transform
  int classifier_resize = 256, classifier_crop = 224;
};

// Prints the metrics, writes the JSON; returns the exit status.
int run_regressor_eval(const RegressorEvalRequest& request);

}  // namespace c2am::cli
