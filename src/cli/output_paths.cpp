#include "cli/output_paths.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "c2am/core/error.hpp"

namespace fs = std::filesystem;

namespace c2am::cli {

namespace {

void make_folder(const fs::path& folder, const std::string& path, const char* option) {
  std::error_code ec;
  if (fs::is_directory(folder, ec)) return;
  // The nearest existing ancestor: a file there is the real problem.
  for (fs::path p = folder; !p.empty() && p != p.parent_path(); p = p.parent_path()) {
    if (!fs::exists(p, ec)) continue;
    if (!fs::is_directory(p, ec))
      throw Error(std::string(option) + " " + path + (p == fs::path(path) ? "" : ": " + p.string()) +
                  " is a file, not a folder");
    break;
  }
  fs::create_directories(folder, ec);
  if (ec) throw Error(std::string(option) + " " + path + ": cannot make the folder " + folder.string() + " (" +
                      ec.message() + ")");
}

// Creates (and removes) a file in `folder`: the only test that sees a
// read-only mount, ACLs and quotas as the real write will.
void probe_writable(const fs::path& folder, const std::string& path, const char* option) {
  const fs::path probe = folder / (".c2am-write-test-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0)
    throw Error(std::string(option) + " " + path + ": cannot write in " + folder.string() + " (" +
                std::strerror(errno) + ")");
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace

void require_output_file(const std::string& path, const char* option) {
  if (path.empty()) throw Error(std::string(option) + ": empty path");
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(std::string(option) + " " + path + " is a folder, not a file");
  const fs::path folder = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  make_folder(folder, path, option);
  probe_writable(folder, path, option);
}

void require_output_folder(const std::string& path, const char* option) {
  if (path.empty()) throw Error(std::string(option) + ": empty path");
  make_folder(path, path, option);
  probe_writable(path, path, option);
}

}  // namespace c2am::cli
