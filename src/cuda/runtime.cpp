// Device queries and the per-device library stream.

#include "c2am/cuda/runtime.hpp"

#include <array>
#include <cstdint>
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
void throw_cuda_error(cudaError_t status, const char* call, const std::string& context) {
  cudaGetLastError();  // clear the non-sticky error so later calls are not blamed
  throw Error(std::string("cuda: ") + call + " failed with " + cudaGetErrorName(status) + " (" +
              cudaGetErrorString(status) + ")" + (context.empty() ? "" : ": " + context));
}

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

cudaMemPool_t default_pool(int device) {
  cudaMemPool_t pool = nullptr;
  check_cuda(cudaDeviceGetDefaultMemPool(&pool, device), "cudaDeviceGetDefaultMemPool");
  return pool;
}

// The stream-ordered pool's release threshold is 0 by default: every stream
// or event synchronization would hand all free memory back to the driver and
// the next cudaMallocAsync would map it again. The library keeps what it has
// freed (as PyTorch's caching allocator does); cuda::empty_cache returns it.
void keep_pool_memory(int device) {
  std::uint64_t keep_all = UINT64_MAX;
  check_cuda(cudaMemPoolSetAttribute(default_pool(device), cudaMemPoolAttrReleaseThreshold, &keep_all),
             "cudaMemPoolSetAttribute", "release threshold");
}

cudaStream_t stream(int device) {
  constexpr int kMaxDevices = 64;
  static std::array<cudaStream_t, kMaxDevices> streams{};
  static std::mutex mutex;
  require_device(device, "cuda stream");
  check(device < kMaxDevices, "cuda stream", "device index ", device, " above the supported ", kMaxDevices);
  std::lock_guard<std::mutex> lock(mutex);
  if (!streams[device]) {
    DeviceGuard guard(device);
    keep_pool_memory(device);
    check_cuda(cudaStreamCreateWithFlags(&streams[device], cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  }
  return streams[device];
}

}  // namespace detail

namespace {
std::size_t pool_attribute(int device, cudaMemPoolAttr attribute) {
  std::uint64_t bytes = 0;
  detail::check_cuda(cudaMemPoolGetAttribute(detail::default_pool(device), attribute, &bytes), "cudaMemPoolGetAttribute");
  return static_cast<std::size_t>(bytes);
}
}  // namespace

std::size_t peak_memory(int device) {
  require_device(device, "cuda::peak_memory");
  return pool_attribute(device, cudaMemPoolAttrUsedMemHigh);
}

void reset_peak_memory(int device) {
  require_device(device, "cuda::reset_peak_memory");
  std::uint64_t zero = 0;
  detail::check_cuda(cudaMemPoolSetAttribute(detail::default_pool(device), cudaMemPoolAttrUsedMemHigh, &zero),
                     "cudaMemPoolSetAttribute");
}

std::size_t reserved_memory(int device) {
  require_device(device, "cuda::reserved_memory");
  return pool_attribute(device, cudaMemPoolAttrReservedMemCurrent);
}

void empty_cache(int device) {
  require_device(device, "cuda::empty_cache");
  // Memory freed by queued work is only free once that work has run.
  detail::check_cuda(cudaStreamSynchronize(detail::stream(device)), "cudaStreamSynchronize");
  detail::check_cuda(cudaMemPoolTrimTo(detail::default_pool(device), 0), "cudaMemPoolTrimTo");
}

}  // namespace c2am::cuda
