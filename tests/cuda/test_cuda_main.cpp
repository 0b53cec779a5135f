// Entry point of the CUDA tests: exits with CTest's skip code (77) when this
// build or this machine cannot run CUDA code, so a machine without a GPU
// reports the tests as skipped rather than passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "c2am/cuda/runtime.hpp"

int main(int argc, char* argv[]) {
  const auto& availability = c2am::cuda::availability();
  if (!availability.available) {
    std::printf("CUDA tests skipped: %s\n", availability.reason.c_str());
    return 77;
  }
  std::printf("CUDA tests on %s (%d device(s))\n", c2am::cuda::device_name(0).c_str(), availability.device_count);
  // New device memory starts as NaN: outputs a kernel fails to write show up.
  c2am::cuda::set_poison_allocations(true);
  return Catch::Session().run(argc, argv);
}
