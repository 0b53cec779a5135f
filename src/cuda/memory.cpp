// Device memory from CUDA's stream-ordered pool, copies and fills.

#include "backend/cuda_backend.hpp"
#include "c2am/cuda/runtime.hpp"
#include "cuda/check.hpp"
#include "fill.cuh"

namespace c2am::cuda::detail {

void* allocate(std::size_t bytes, int device) {
  require_device(device, "cuda allocate");
  DeviceGuard guard(device);
  void* pointer = nullptr;
  const cudaError_t status = cudaMallocAsync(&pointer, bytes, stream(device));
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    std::size_t free_bytes = 0, total_bytes = 0;
    cudaMemGetInfo(&free_bytes, &total_bytes);
    throw Error("cuda: out of memory allocating " + std::to_string(bytes) + " bytes on cuda:" +
                std::to_string(device) + " (" + std::to_string(free_bytes) + " bytes free of " +
                std::to_string(total_bytes) + ")");
  }
  check_cuda(status, "cudaMallocAsync",
             [&] { return std::to_string(bytes) + " bytes on cuda:" + std::to_string(device); });
  if (poison_allocations()) {
    check_cuda(cudaMemsetAsync(pointer, 0xFF, bytes, stream(device)), "cudaMemsetAsync", "poisoning a new allocation");
  }
  return pointer;
}

void deallocate(void* pointer, int device) noexcept {
  // Errors cannot be thrown from a destructor; a failing free means the
  // context is already broken and the next checked call will say so.
  int previous = 0;
  cudaGetDevice(&previous);
  if (previous != device) cudaSetDevice(device);
  cudaFreeAsync(pointer, stream(device));
  if (previous != device) cudaSetDevice(previous);
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, std::size_t bytes) {
  if (bytes == 0) return;
  const int device = dst_device.is_cuda() ? dst_device.index : src_device.index;
  require_device(device, "cuda copy");
  DeviceGuard guard(device);
  cudaStream_t s = stream(device);
  const auto describe = [&] {
    return std::to_string(bytes) + " bytes from " + src_device.str() + " to " + dst_device.str();
  };
  if (src_device.is_cuda() && dst_device.is_cuda() && src_device.index != dst_device.index) {
    // Another GPU's data is produced on that GPU's stream: wait for it, copy
    // through the peer path, and wait again, since the source may be freed
    // on its own stream as soon as we return.
    check_cuda(cudaStreamSynchronize(stream(src_device.index)), "cudaStreamSynchronize", describe);
    check_cuda(cudaMemcpyPeerAsync(dst, dst_device.index, src, src_device.index, bytes, s), "cudaMemcpyPeerAsync",
               describe);
    check_cuda(cudaStreamSynchronize(s), "cudaStreamSynchronize", describe);
    return;
  }
  check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, s), "cudaMemcpyAsync", describe);
  // Host memory on either side may be reused (or read) as soon as we return.
  // A copy within one GPU is ordered with everything else on the stream and
  // needs no wait.
  if (!src_device.is_cuda() || !dst_device.is_cuda()) check_cuda(cudaStreamSynchronize(s), "cudaStreamSynchronize", describe);
}

void fill(void* dst, DType dtype, std::int64_t count, double value, int device) {
  if (count == 0) return;
  DeviceGuard guard(device);
  check_cuda(launch_fill(dst, dtype, count, value, stream(device)), "fill kernel",
             [&] { return std::to_string(count) + " elements of " + dtype_name(dtype); });
}

}  // namespace c2am::cuda::detail
