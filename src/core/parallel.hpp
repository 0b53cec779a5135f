#pragma once
// A loop over [first, last) on all OpenMP threads (dynamic schedule) whose
// body may throw. Exceptions must not leave an OpenMP region, so each is
// caught; the loop finishes and the first error is rethrown as c2am::Error.

#include <cstddef>
#include <exception>
#include <mutex>
#include <string>

#include "c2am/core/error.hpp"

namespace c2am::detail {

template <typename Body>
void parallel_for_each(std::size_t first, std::size_t last, Body body) {
  std::mutex mutex;
  std::string first_error;
#pragma omp parallel for schedule(dynamic)
  for (std::size_t i = first; i < last; ++i) {
    try {
      body(i);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex);
      if (first_error.empty()) first_error = e.what();
    }
  }
  if (!first_error.empty()) throw Error(first_error);
}

}  // namespace c2am::detail
