#pragma once
// Refusing non-finite values where arrays enter the library (score maps,
// CAMs, weights): a NaN in another program's output is a bug to surface, not
// a value to score as background.

#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>

#include "c2am/core/error.hpp"

namespace c2am::io {

// Throws "<what> holds N non-finite value(s) (the first at element i: nan)"
// when any of `values` is NaN or ±inf.
template <typename T>
void require_finite(const T* values, std::size_t count, const std::string& what) {
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (std::isfinite(static_cast<double>(values[i]))) continue;
    if (bad++ == 0) first = i;
  }
  if (bad == 0) return;
  std::ostringstream message;
  message << what << " holds " << bad << " non-finite value" << (bad == 1 ? "" : "s") << " (the first at element "
          << first << ": " << static_cast<double>(values[first]) << " of " << count
          << "); c2am refuses NaN and infinity in maps, CAMs and weights";
  throw Error(message.str());
}

}  // namespace c2am::io
