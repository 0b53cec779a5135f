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

// check() whose message parts are evaluated only on failure, for checks on
// every op or launch whose messages call describe() (which allocates): a
// passing check costs one comparison.
#define C2AM_CHECK(condition, op, ...)                                             \
  do {                                                                              \
    if (!(condition)) throw ::c2am::Error(::c2am::detail::concat(op, ": ", __VA_ARGS__)); \
  } while (0)

