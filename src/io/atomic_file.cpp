#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "c2am/core/error.hpp"

namespace c2am::io {

AtomicFile::AtomicFile(std::string path, std::string owner) : path_(std::move(path)), owner_(std::move(owner)) {
  std::random_device entropy;
  for (int attempt = 0; attempt < 8 && fd_ < 0; ++attempt) {
    temporary_ = path_ + ".tmp-" + std::to_string(entropy()) + std::to_string(entropy());
    // 0666 minus the umask, as any other tool's output (mkstemp would give 0600).
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) break;
  }
  if (fd_ < 0) {
    const int error = errno;
    temporary_.clear();
    fail("cannot create a file in its folder", error);
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temporary_.empty()) ::unlink(temporary_.c_str());
}

void AtomicFile::fail(const std::string& what, int error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
  temporary_.clear();
  throw Error(owner_ + ": " + path_ + ": " + what + " (" + std::strerror(error) + ")");
}

void AtomicFile::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw Error(owner_ + ": " + path_ + ": written after commit");
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ::ssize_t n = ::write(fd_, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write", n < 0 ? errno : ENOSPC);  // 0 bytes written: no room
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit(bool durable) {
  if (fd_ < 0) throw Error(owner_ + ": " + path_ + ": committed twice");
  if (durable && ::fsync(fd_) != 0) fail("cannot flush to the disk", errno);
  // close() reports delayed write errors (NFS, some quotas).
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) fail("cannot write", errno);
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
    const int error = errno;
    fail(error == EISDIR ? "is a folder" : "cannot replace the file", error);
  }
  committed_ = true;
}

void write_file_atomically(const std::string& path, const void* data, std::size_t size, const std::string& owner) {
  AtomicFile file(path, owner);
  file.write(data, size);
  file.commit();
}

void write_text_atomically(const std::string& path, const std::string& text) {
  if (const auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw Error("write: " + path + ": cannot make its folder " + parent.string() + " (" + ec.message() + ")");
  }
  write_file_atomically(path, text.data(), text.size(), "write");
}

}  // namespace c2am::io
