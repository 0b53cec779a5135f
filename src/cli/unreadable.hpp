#pragma once
// --skip-unreadable, the same on every command that reads images: an image
// that cannot be decoded stops the command (the default) or is left out and
// counted; the command's summary (and JSON, where it writes one) says how
// many were left out and names them.

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "c2am/core/error.hpp"
#include "c2am/data/dataset.hpp"

namespace c2am::cli {

class UnreadableImages {
 public:
  explicit UnreadableImages(bool skip) : skip_(skip) {}

  bool skipping() const { return skip_; }

  // The image of sample i, or nothing when it cannot be decoded and skipping
  // (the error is recorded); without skipping the error propagates.
  std::optional<Image> load(const Dataset& dataset, std::size_t i) {
    try {
      return dataset.load_image(i);
    } catch (const Error& e) {
      if (!skip_) throw;
      record(e.what());
      return std::nullopt;
    }
  }

  void record(const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    messages_.push_back(message);
  }

  std::size_t count() const { return messages_.size(); }
  const std::vector<std::string>& messages() const { return messages_; }

  // "skipped N unreadable image(s): <first> ..." on stdout; nothing when none.
  void print_summary() const {
    if (messages_.empty()) return;
    std::printf("skipped %zu unreadable image(s) (--skip-unreadable):\n", messages_.size());
    for (std::size_t i = 0; i < messages_.size() && i < 5; ++i) std::printf("  %s\n", messages_[i].c_str());
    if (messages_.size() > 5) std::printf("  ... and %zu more\n", messages_.size() - 5);
  }

 private:
  bool skip_;
  std::mutex mutex_;
  std::vector<std::string> messages_;
};

}  // namespace c2am::cli
