#include "io/atomic_file.hpp"

#include <filesystem>
#include <fstream>
#include <random>

#include "c2am/core/error.hpp"

namespace c2am::io {

namespace {

std::string temporary_beside(const std::string& path) {
  std::random_device entropy;
  return path + ".tmp-" + std::to_string(entropy()) + std::to_string(entropy());
}

}  // namespace

void write_atomically(const std::string& path, const std::function<bool(const std::string&)>& write,
                      const std::string& owner) {
  const std::string temporary = temporary_beside(path);
  if (!write(temporary)) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw Error(owner + ": " + path + ": could not be written (missing directory or disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    throw Error(owner + ": " + path + ": could not replace the file");
  }
}

void write_text_atomically(const std::string& path, const std::string& text) {
  if (const auto parent = std::filesystem::path(path).parent_path(); !parent.empty())
    std::filesystem::create_directories(parent);
  write_atomically(
      path,
      [&](const std::string& temporary) {
        std::ofstream out(temporary, std::ios::trunc);
        out << text;
        out.flush();
        return out.good();
      },
      "write");
}

}  // namespace c2am::io
