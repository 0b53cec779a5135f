#pragma once
// A one-line progress bar on stderr: redrawn in place on a terminal, a line
// every tenth of the work otherwise (logs stay readable).

#include <chrono>
#include <string>

namespace c2am::train {

class ProgressBar {
 public:
  ProgressBar(std::string title, std::size_t total, bool enabled);
  // `done` steps of `total` finished; `detail` is appended (loss terms...).
  void update(std::size_t done, const std::string& detail);
  void finish();

 private:
  std::string title_;
  std::size_t total_;
  bool enabled_, terminal_;
  std::size_t last_reported_tenth_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::size_t first_done_ = static_cast<std::size_t>(-1);
};

}  // namespace c2am::train
