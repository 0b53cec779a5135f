#pragma once
// Files written atomically and checked: the content goes to a uniquely named
// temporary file beside the target; every write and the close are checked
// (a full disk, a quota, a read-only folder are errors with the system's
// reason); only then is the temporary renamed over the target. A reader
// never sees a half-written file and a failed write leaves the old file in
// place. Every output of c2am (PNG, JPEG, .npy, JSON, HTML, logs,
// safetensors) goes through here.

#include <cstddef>
#include <string>
#include <string_view>

namespace c2am::io {

class AtomicFile {
 public:
  // Creates the temporary beside `path` (the folder must exist). Errors
  // start with `owner`, name `path` and give the system's reason.
  AtomicFile(std::string path, std::string owner);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Removes the temporary unless commit() succeeded.
  ~AtomicFile();

  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Flushes to the disk (fsync) before the rename when `durable`: for files
  // that must survive a power cut (checkpoints), not needed for a full disk.
  void commit(bool durable = false);

 private:
  [[noreturn]] void fail(const std::string& what, int error);
  std::string path_, owner_, temporary_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole content at once.
void write_file_atomically(const std::string& path, const void* data, std::size_t size, const std::string& owner);

// Text (JSON, HTML, logs); creates the parent directory when missing.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace c2am::io
