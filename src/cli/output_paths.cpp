#include "cli/output_paths.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <filesystem>

#include "c2am/core/error.hpp"

namespace fs = std::filesystem;

namespace c2am::cli {

namespace {

// The folder need not exist yet (it is made at the first write, so a
// command refused later leaves nothing behind): its nearest existing
// ancestor must be a folder we can write in. Returns that ancestor.
fs::path nearest_existing_folder(const fs::path& folder, const std::string& path, const char* option) {
  std::error_code ec;
  fs::path p = folder;
  while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
  if (p.empty()) p = ".";
  if (!fs::is_directory(p, ec))
    throw Error(std::string(option) + " " + path + (p == fs::path(path) ? "" : ": " + p.string()) +
                " is a file, not a folder");
  return p;
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
  // Replacing an earlier result is allowed (atomically, when the new one is complete), and said.
  if (fs::exists(path, ec)) std::fprintf(stderr, "note: %s %s exists; it will be replaced\n", option, path.c_str());
  const fs::path folder = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  probe_writable(nearest_existing_folder(folder, path, option), path, option);
}

void require_outside_data(const std::string& out, const std::string& data_spec) {
  const auto colon = data_spec.find(':');
  if (colon == std::string::npos) return;
  const std::string kind = data_spec.substr(0, colon), dir = data_spec.substr(colon + 1);
  if (kind != "folder" && kind != "voc-xml") return;  // the other layouts list their images
  const auto clean = [](const std::string& path) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(path, ec).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();  // "dir/" is "dir"
    return p;
  };
  const fs::path data_root = clean(dir), output = clean(out);
  if (data_root.empty() || output.empty()) return;
  const auto [end, _] = std::mismatch(data_root.begin(), data_root.end(), output.begin(), output.end());
  if (end == data_root.end())
    throw Error("--out " + out + " is inside the dataset folder " + dir +
                ": its pictures would be read as images of the dataset by the next run. Choose a folder outside it");
}

void require_output_folder(const std::string& path, const char* option) {
  if (path.empty()) throw Error(std::string(option) + ": empty path");
  std::error_code ec;
  if (fs::is_directory(path, ec) && fs::directory_iterator(path, ec) != fs::directory_iterator())
    std::fprintf(stderr, "note: %s %s already holds files; those named like this run's outputs will be replaced\n",
                 option, path.c_str());
  probe_writable(nearest_existing_folder(path, path, option), path, option);
}

}  // namespace c2am::cli
