#pragma once
// Text outputs of the commands (JSON reports), written atomically: to a
// temporary file beside the target, then renamed over it.

#include <filesystem>
#include <fstream>
#include <string>

#include "c2am/core/error.hpp"

namespace c2am::cli {

inline void write_text_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  if (const auto parent = fs::path(path).parent_path(); !parent.empty()) fs::create_directories(parent);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    out.flush();
    check(out.good(), "write", "cannot write ", temporary);
  }
  fs::rename(temporary, path);
}

}  // namespace c2am::cli
