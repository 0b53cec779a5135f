#pragma once
// Turns CUDA runtime statuses into c2am::Error naming the call and the status.

#include <cuda_runtime_api.h>

#include <string>

#include "c2am/core/error.hpp"

namespace c2am::cuda::detail {

inline void check_cuda(cudaError_t status, const char* call, const std::string& context = {}) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // clear the sticky-free error so later calls are not blamed
  throw Error(std::string("cuda: ") + call + " failed with " + cudaGetErrorName(status) + " (" +
              cudaGetErrorString(status) + ")" + (context.empty() ? "" : ": " + context));
}

// Throws, naming `op`, unless CUDA is usable and `device` exists; the
// message carries the reason availability() found.
void require_device(int device, const char* op);

// Makes `device` current for the scope and restores the previous one.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    check_cuda(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != device) check_cuda(cudaSetDevice(device), "cudaSetDevice", "device " + std::to_string(device));
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
