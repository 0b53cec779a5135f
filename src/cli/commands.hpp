#pragma once
// Subcommands of the `c2am` program. Each registers its options on the
// CLI11 app and returns the function that runs it once parsing succeeded.

#include <CLI/CLI.hpp>

#include <functional>

namespace c2am::cli {

using Run = std::function<int()>;

Run add_train(CLI::App& app);
Run add_maps(CLI::App& app);
Run add_demo(CLI::App& app);
Run add_wsol(CLI::App& app);
Run add_wsss(CLI::App& app);

}  // namespace c2am::cli
