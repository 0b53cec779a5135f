#pragma once
// The --device option of every command: "cpu", "cuda" or "cuda:N", refused
// before any work when CUDA is not usable here, with the reason.

#include <string>

#include "c2am/core/device.hpp"
#include "c2am/core/error.hpp"
#include "c2am/cuda/runtime.hpp"

namespace c2am::cli {

inline Device device_option(const std::string& text) {
  const Device device = Device::parse(text);
  if (device.is_cuda() && !cuda::available())
    throw Error("--device " + text + ": CUDA is not available (" + cuda::availability().reason + ")");
  return device;
}

}  // namespace c2am::cli
