#pragma once
// Which code runs convolution, batch norm and pooling on CPU tensors.
//
// Builds that found oneDNN (Debian's libdnnl-dev, installed by
// scripts/install-deps.sh) run those ops on float32 tensors through oneDNN,
// as PyTorch does on the CPU. float64 tensors, and every tensor in builds
// without oneDNN, run c2am's own reference kernels (im2col + Eigen GEMM
// convolution, direct batch norm and pooling loops): they are the ones the
// float64 gradient checks exercise and the ones oneDNN's results are tested
// against. Both give the same answers within float32 rounding
// (docs/cpu-engine.md has the figures).

namespace c2am {

enum class CpuEngine {
  OneDnn,     // oneDNN for float32 where the build has it (the default)
  Reference,  // c2am's own kernels for every dtype
};

// True when this build links oneDNN.
bool onednn_available();

// The engine in use. Starts as OneDnn when available, else Reference; the
// environment variable C2AM_CPU_ENGINE=reference|onednn overrides it at the
// first call. Thread-safe to read; set it before work starts, not while ops
// run on other threads.
CpuEngine cpu_engine();

// Throws c2am::Error when asked for OneDnn in a build without it.
void set_cpu_engine(CpuEngine engine);

}  // namespace c2am
