#pragma once
// Subcommands of the `c2am` program. Each registers its options on the
// CLI11 app and returns the function that runs it once parsing succeeded.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <string>

namespace c2am::cli {

using Run = std::function<int()>;

// A trainer's note (weights loaded, images left out), printed at once:
// the run that follows may be long.
inline void print_note(const std::string& note) {
  std::printf("%s\n", note.c_str());
  std::fflush(stdout);
}

Run add_train(CLI::App& app);
Run add_maps(CLI::App& app);
Run add_demo(CLI::App& app);
Run add_wsol(CLI::App& app);
Run add_wsss(CLI::App& app);

}  // namespace c2am::cli
