#pragma once
// Turns CUDA runtime statuses into c2am::Error naming the call and the status.
//
// The context that goes into a message is built only when a call failed: a
// launch or allocation that succeeds costs one comparison, no string. So a
// context is a string literal or a callable returning std::string
// ([&] { return t.describe(); }); a std::string argument would be built on
// every call and is refused at compile time.

#include <cuda_runtime_api.h>

#include <concepts>
#include <string>
#include <type_traits>

#include "c2am/core/error.hpp"

namespace c2am::cuda::detail {

// A message context: a literal, or a callable evaluated on failure only.
template <typename Context>
concept LazyContext = std::is_convertible_v<Context, const char*> || std::is_invocable_r_v<std::string, Context>;

template <LazyContext Context>
std::string context_text(Context&& context) {
  if constexpr (std::is_convertible_v<Context, const char*>) {
    return std::string(static_cast<const char*>(context));
  } else {
    return std::forward<Context>(context)();
  }
}

// Throws "cuda: <call> failed with <name> (<description>)[: <context>]" and
// clears the (non-sticky) error so that later calls are not blamed.
[[noreturn]] void throw_cuda_error(cudaError_t status, const char* call, const std::string& context);

template <LazyContext Context = const char*>
inline void check_cuda(cudaError_t status, const char* call, Context&& context = "") {
  if (status == cudaSuccess) [[likely]] return;
  throw_cuda_error(status, call, context_text(std::forward<Context>(context)));
}

// Throws, naming `op`, unless CUDA is usable and `device` exists; the
// message carries the reason availability() found.
void require_device(int device, const char* op);

// Makes `device` current for the scope and restores the previous one.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    check_cuda(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != device) {
      check_cuda(cudaSetDevice(device), "cudaSetDevice", [device] { return "device " + std::to_string(device); });
    }
  }
  ~DeviceGuard() {
    int current = previous_;
    cudaGetDevice(&current);
    if (current != previous_) cudaSetDevice(previous_);
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

// The library's stream on `device` (created on first use, non-blocking).
// All of the library's work and allocations on that device are ordered on it.
cudaStream_t stream(int device);

}  // namespace c2am::cuda::detail
