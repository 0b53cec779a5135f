// Device queries and the per-device library stream.

#include "c2am/cuda/runtime.hpp"

#include <array>
#include <mutex>

#include "cuda/check.hpp"

namespace c2am::cuda {

bool compiled() { return true; }

const Availability& availability() {
  static const Availability cached = [] {
    Availability a;
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      cudaGetLastError();
      a.reason = std::string("CUDA runtime reports ") + cudaGetErrorName(status) + " (" +
                 cudaGetErrorString(status) + ")";
    } else if (count == 0) {
      a.reason = "no CUDA GPU found";
    } else {
      a.available = true;
      a.device_count = count;
    }
    return a;
  }();
  return cached;
}

namespace detail {
void require_device(int device, const char* op) {
  check(available(), op, "CUDA is not available: ", availability().reason);
  check(device >= 0 && device < availability().device_count, op, "no GPU cuda:", device, " (found ",
        availability().device_count, ")");
}
}  // namespace detail
using detail::require_device;

MemoryInfo memory_info(int device) {
  require_device(device, "cuda::memory_info");
  detail::DeviceGuard guard(device);
  MemoryInfo info;
  detail::check_cuda(cudaMemGetInfo(&info.free_bytes, &info.total_bytes), "cudaMemGetInfo");
  return info;
}

void synchronize(int device) {
  require_device(device, "cuda::synchronize");
  detail::check_cuda(cudaStreamSynchronize(detail::stream(device)), "cudaStreamSynchronize");
}

void* stream_handle(int device) {
  require_device(device, "cuda::stream_handle");
  return detail::stream(device);
}

std::string device_name(int device) {
  require_device(device, "cuda::device_name");
  cudaDeviceProp props{};
  detail::check_cuda(cudaGetDeviceProperties(&props, device), "cudaGetDeviceProperties");
  return props.name;
}

namespace detail {

cudaStream_t stream(int device) {
  constexpr int kMaxDevices = 64;
  static std::array<cudaStream_t, kMaxDevices> streams{};
  static std::mutex mutex;
  require_device(device, "cuda stream");
  check(device < kMaxDevices, "cuda stream", "device index ", device, " above the supported ", kMaxDevices);
  std::lock_guard<std::mutex> lock(mutex);
  if (!streams[device]) {
    DeviceGuard guard(device);
    check_cuda(cudaStreamCreateWithFlags(&streams[device], cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  }
  return streams[device];
}

}  // namespace detail

std::size_t peak_memory(int device) {
  require_device(device, "cuda::peak_memory");
  cudaMemPool_t pool = nullptr;
  detail::check_cuda(cudaDeviceGetDefaultMemPool(&pool, device), "cudaDeviceGetDefaultMemPool");
  std::uint64_t bytes = 0;
  detail::check_cuda(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemHigh, &bytes), "cudaMemPoolGetAttribute");
  return static_cast<std::size_t>(bytes);
}

void reset_peak_memory(int device) {
  require_device(device, "cuda::reset_peak_memory");
  cudaMemPool_t pool = nullptr;
  detail::check_cuda(cudaDeviceGetDefaultMemPool(&pool, device), "cudaDeviceGetDefaultMemPool");
  std::uint64_t zero = 0;
  detail::check_cuda(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrUsedMemHigh, &zero), "cudaMemPoolSetAttribute");
}

}  // namespace c2am::cuda
