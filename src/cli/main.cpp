// The `c2am` command: training and inference for C²AM.

#include <cstdio>
#include <filesystem>
#include <new>

#include "c2am/core/error.hpp"
#include "c2am/data/image.hpp"
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"c2am: contrastive learning of class-agnostic activation maps (C²AM)"};
  app.require_subcommand(1);
  // Options of `c2am` itself (--max-image-pixels) may also follow the subcommand.
  app.fallthrough();
  std::int64_t max_image_pixels = c2am::kPillowMaxImagePixels;
  app.add_option("--max-image-pixels", max_image_pixels,
                 "Refuse pictures with more pixels than this, from their header, before decoding (default: Pillow's "
                 "decompression-bomb limit, what the reference code refuses)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, c2am::kMaxImagePixels));
  std::vector<std::pair<CLI::App*, c2am::cli::Run>> commands;
  const auto add = [&](auto adder) {
    const std::size_t before = app.get_subcommands({}).size();
    c2am::cli::Run run = adder(app);
    commands.emplace_back(app.get_subcommands({}).at(before), std::move(run));
  };
  add(c2am::cli::add_train);
  add(c2am::cli::add_maps);
  add(c2am::cli::add_demo);
  add(c2am::cli::add_wsol);
  add(c2am::cli::add_wsss);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    c2am::set_max_image_pixels(max_image_pixels);
    for (auto& [command, run] : commands)
      if (command->parsed()) return run();
  } catch (const c2am::Error& e) {
    std::fprintf(stderr, "c2am: error: %s\n", e.what());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // A file system refusal is the user's to fix, not a bug: its path and reason.
    std::fprintf(stderr, "c2am: error: %s%s%s: %s\n", e.path1().c_str(), e.path2().empty() ? "" : " -> ",
                 e.path2().c_str(), e.code().message().c_str());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "c2am: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "c2am: unexpected error: %s\n", e.what());
    return 1;
  }
  return 0;
}
