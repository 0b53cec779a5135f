#pragma once
// c2am::Error — the one exception type the library throws.
//
// Every message names the operation that failed and what was wrong with its
// inputs (shapes, dtypes, devices, file names), so that a user can act on it
// without a debugger.

#include <sstream>
#include <stdexcept>
#include <string>

namespace c2am {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

// Throws c2am::Error("<op>: <message parts...>") unless `condition` holds.
template <typename... Parts>
inline void check(bool condition, const char* op, const Parts&... parts) {
  if (!condition) throw Error(detail::concat(op, ": ", parts...));
}

}  // namespace c2am
