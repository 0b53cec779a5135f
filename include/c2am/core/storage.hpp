#pragma once
// A reference-counted block of memory on one device. Tensors are views into a
// Storage (shape, strides, offset); several tensors may share one.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "c2am/core/device.hpp"

namespace c2am {

class Storage {
 public:
  // Allocates `bytes` on `device`: 64-byte aligned host memory on the CPU,
  // CUDA's stream-ordered pool on a GPU. Throws c2am::Error when out of memory,
  // naming the bytes requested.
  Storage(std::size_t bytes, Device device);
  // Memory owned by someone else (a NumPy array, a DLPack tensor): c2am
  // never frees it; `release` runs once the last tensor viewing it is gone
  // (it must not throw). `bytes` is the extent c2am may touch.
  Storage(void* data, std::size_t bytes, Device device, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

  // Incremented by every in-place write. Autograd records it when a tensor is
  // saved for backward and refuses to use the tensor if it changed since.
  std::uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  Device device_;
  std::function<void()> release_;  // set for borrowed memory
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace c2am
