#pragma once
// Warnings of the WSOL evaluation (annotations that stick out of their
// image): to the caller's sink, or to stderr when there is none — never
// dropped.

#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "c2am/core/error.hpp"
#include "c2am/data/dataset.hpp"

namespace c2am::wsol::detail {

inline void warn(const std::function<void(const std::string&)>& sink, const std::string& message) {
  if (sink) sink(message);
  else std::fprintf(stderr, "\nc2am: warning: %s\n", message.c_str());
}

// The image of sample i, or nothing when it cannot be decoded and the caller
// reports such images (on_unreadable set); otherwise the error propagates.
inline std::optional<Image> load_or_report(const Dataset& dataset, std::size_t i,
                                           const std::function<void(std::size_t, const std::string&)>& on_unreadable) {
  try {
    return dataset.load_image(i);
  } catch (const Error& e) {
    if (!on_unreadable) throw;
    on_unreadable(i, e.what());
    return std::nullopt;
  }
}

}  // namespace c2am::wsol::detail
