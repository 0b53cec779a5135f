#include "c2am/core/storage.hpp"

#include <cstdlib>
#include <new>

#include "backend/cuda_backend.hpp"
#include "c2am/core/error.hpp"

namespace c2am {

namespace {
constexpr std::size_t kHostAlignment = 64;  // a cache line; enough for AVX-512 loads
}

Storage::Storage(std::size_t bytes, Device device) : bytes_(bytes), device_(device) {
  if (bytes == 0) return;
  if (device.is_cpu()) {
    const std::size_t rounded = (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
    data_ = std::aligned_alloc(kHostAlignment, rounded);
    if (!data_) throw Error("storage: out of host memory allocating " + std::to_string(bytes) + " bytes");
  } else {
    data_ = cuda::detail::allocate(bytes, device.index);
  }
}

Storage::Storage(void* data, std::size_t bytes, Device device, std::function<void()> release)
    : data_(data), bytes_(bytes), device_(device), release_(std::move(release)) {}

Storage::~Storage() {
  if (release_) {
    release_();
    return;
  }
  if (!data_) return;
  if (device_.is_cpu()) {
    std::free(data_);
  } else {
    cuda::detail::deallocate(data_, device_.index);
  }
}

}  // namespace c2am
