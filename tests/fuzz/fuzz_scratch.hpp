#pragma once
// Fuzz targets whose parser reads files: the input is written to a scratch
// folder of this process (under the system's temporary folder, removed at
// exit), so the public, path-based API is what gets fuzzed.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace c2am::fuzz {

inline const std::filesystem::path& scratch() {
  struct Folder {
    std::filesystem::path path = std::filesystem::temp_directory_path() / ("c2am-fuzz-" + std::to_string(::getpid()));
    Folder() { std::filesystem::create_directories(path); }
    ~Folder() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Folder folder;
  return folder.path;
}

inline std::string write_file(const std::string& relative, const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path path = scratch() / relative;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  return path.string();
}

inline std::string write_text(const std::string& relative, const std::string& text) {
  return write_file(relative, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

}  // namespace c2am::fuzz
