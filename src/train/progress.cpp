#include "train/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace c2am::train {

namespace {
std::string clock(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return text;
}
}  // namespace

ProgressBar::ProgressBar(std::string title, std::size_t total, bool enabled)
    : title_(std::move(title)), total_(total), enabled_(enabled), terminal_(isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(std::size_t done, const std::string& detail) {
  if (!enabled_ || total_ == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (first_done_ == static_cast<std::size_t>(-1)) {
    first_done_ = done > 0 ? done - 1 : 0;  // steps before this call belong to an earlier run (resume)
    start_ = now;
  }
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = done > first_done_ ? elapsed / static_cast<double>(done - first_done_) : 0.0;
  const double eta = rate * static_cast<double>(total_ - std::min(done, total_));
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(kWidth * done / total_);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  const std::string line = title_ + " [" + bar + "] " + std::to_string(done) + "/" + std::to_string(total_) +
                           " ETA " + clock(eta) + " " + detail;
  if (terminal_) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
  } else {
    const std::size_t tenth = 10 * done / total_;
    if (tenth == last_reported_tenth_ && done != total_) return;
    last_reported_tenth_ = tenth;
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (enabled_ && terminal_) std::fprintf(stderr, "\n");
}

}  // namespace c2am::train
