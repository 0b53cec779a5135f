#pragma once
// C2AM_HOST_DEVICE marks functions shared by the CPU code (compiled by the
// C++ compiler) and the CUDA kernels (compiled by nvcc).

#if defined(__CUDACC__)
#define C2AM_HOST_DEVICE __host__ __device__
#else
#define C2AM_HOST_DEVICE
#endif
