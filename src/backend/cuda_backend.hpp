#pragma once
// The few CUDA entry points the core needs (memory, copies, fill). Implemented
// in src/cuda/ when CUDA is compiled in, and by src/cuda_stub/ otherwise, where
// each throws an Error saying the build has no CUDA support.

#include <cstddef>
#include <cstdint>

#include "c2am/core/device.hpp"
#include "c2am/core/dtype.hpp"

namespace c2am::cuda::detail {

// Stream-ordered allocation on GPU `device`; throws c2am::Error naming the
// bytes requested and the bytes free when the pool cannot serve it.
void* allocate(std::size_t bytes, int device);
void deallocate(void* pointer, int device) noexcept;
// Copies `bytes` between any two devices, at least one of them a GPU. When
// the host is on either side, returns once the copy is done (host memory may
// be reused or read at once); a copy within one GPU is only queued on the
// library's stream, which orders it before any later work on that device.
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, std::size_t bytes);
// Sets `count` elements of `dtype` at `dst` to `value`.
void fill(void* dst, DType dtype, std::int64_t count, double value, int device);

}  // namespace c2am::cuda::detail
