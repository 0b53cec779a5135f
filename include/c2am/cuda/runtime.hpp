#pragma once
// CUDA device queries. Safe to call in every build: a build without CUDA, a
// machine without a driver or without a GPU all answer "not available" with
// the reason, never crash.

#include <cstddef>
#include <string>

namespace c2am::cuda {

struct Availability {
  bool available = false;
  int device_count = 0;
  std::string reason;  // why not available; empty when available
};

// Whether this build has CUDA support compiled in.
bool compiled();
// Probes the driver once (cached) and reports.
const Availability& availability();
inline bool available() { return availability().available; }

struct MemoryInfo {
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
};
// Free and total memory of GPU `device`; throws c2am::Error without CUDA.
MemoryInfo memory_info(int device = 0);
// Waits for all work the library queued on `device`.
void synchronize(int device = 0);
// The library's stream on `device` as an opaque handle (a cudaStream_t):
// all of the library's work on that device is queued on it, so programs
// that launch their own kernels or record CUDA events order them with it.
void* stream_handle(int device = 0);
// Name of GPU `device` ("NVIDIA H100 80GB HBM3").
std::string device_name(int device = 0);

// Most bytes the memory pool on `device` has held in use since the last
// reset_peak_memory (CUDA's stream-ordered pool high-water mark; see below).
std::size_t peak_memory(int device = 0);
void reset_peak_memory(int device = 0);

// The pool is the device's default stream-ordered pool
// (cudaDeviceGetDefaultMemPool), shared with any other cudaMallocAsync user in
// the process: its release threshold, reserved_memory, peak_memory and
// empty_cache cover their allocations too.
//
// Bytes the pool on `device` holds from the driver, in use or kept for reuse.
// Freed memory stays in the pool (its release threshold is set to the
// maximum when the library's stream is created, so synchronizations do not
// return it to the driver and re-map it on the next allocation); other
// programs on the same GPU see it as used until empty_cache(). Throws
// c2am::Error without CUDA.
std::size_t reserved_memory(int device = 0);
// Waits for the library's work on `device`, then hands every unused byte of
// the pool back to the driver (as torch.cuda.empty_cache()).
void empty_cache(int device = 0);

// Debugging aid for tests: when on, every new GPU allocation is filled with
// 0xFF bytes (NaN in float32 and float64), so a kernel that leaves part of
// its output unwritten shows up as NaN instead of plausible stale values.
void set_poison_allocations(bool on);
bool poison_allocations();

// Whether float32 matrix products and convolutions may use TF32 tensor
// cores (on by default, as PyTorch does for cuDNN). Off gives strict FP32.
void set_allow_tf32(bool allow);
bool allow_tf32();

}  // namespace c2am::cuda
