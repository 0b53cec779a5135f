#pragma once
// Warnings of the WSOL evaluation (annotations that stick out of their
// image): to the caller's sink, or to stderr when there is none — never
// dropped.

#include <cstdio>
#include <functional>
#include <string>

namespace c2am::wsol::detail {

inline void warn(const std::function<void(const std::string&)>& sink, const std::string& message) {
  if (sink) sink(message);
  else std::fprintf(stderr, "\nc2am: warning: %s\n", message.c_str());
}

}  // namespace c2am::wsol::detail
