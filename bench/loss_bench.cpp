// Microbenchmark of the contrastive loss on the GPU: forward, backward and
// forward+backward of the fused kernels and of the same loss composed from
// the library's generic ops, for N ∈ {16 … 4096} × C ∈ {768, 3072}.
//
// Each time is the median over --repeats runs (fewer for N ≥ 1024) measured with CUDA events on
// the library's stream, after warm-up, cycling through several input sets
// (so that inputs are not always hot in L2). The forward+backward time is
// compared with
//   - the composed implementation (speed-up),
//   - a floor: the larger of the time to move the unavoidable bytes at the
//     GPU's peak memory bandwidth (read fg and bg forward; read them and
//     write their gradients backward) and two kernel launches (one forward,
//     one backward), measured as the time of an empty-sized library op;
//   - the three N×N×C similarity GEMMs alone (cuBLAS, same TF32 setting).
// Prints a table; --json PATH writes the rows. bench/loss_bench_torch.py
// times the same loss written in PyTorch on the same sizes.
//
// Usage: loss_bench [--repeats N] [--json PATH] [--strict-fp32] [--quick]

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "c2am/c2am.hpp"

using namespace c2am;

namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw Error(std::string(what) + ": " + cudaGetErrorString(status));
}

cudaStream_t library_stream() { return static_cast<cudaStream_t>(cuda::stream_handle(0)); }

// Median milliseconds of `body` (bracketed by events on the library's
// stream); `prepare` runs before each timed call, outside the bracket.
double median_ms(int repeats, const std::function<void(int)>& prepare, const std::function<void(int)>& body) {
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  std::vector<double> ms;
  const int warm_up = std::min(5, repeats);
  for (int r = -warm_up; r < repeats; ++r) {
    prepare(r + warm_up);
    check(cudaEventRecord(start, library_stream()), "cudaEventRecord");
    body(r + warm_up);
    check(cudaEventRecord(stop, library_stream()), "cudaEventRecord");
    check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float elapsed = 0;
    check(cudaEventElapsedTime(&elapsed, start, stop), "cudaEventElapsedTime");
    if (r >= 0) ms.push_back(elapsed);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

double peak_bandwidth_bytes_per_ms() {
  int clock_khz = 0, bus_bits = 0;
  check(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, 0), "memory clock");
  check(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, 0), "bus width");
  return 2.0 * clock_khz * 1e3 * (bus_bits / 8.0) / 1e3;  // double data rate
}

struct Timing {
  double forward = 0, backward = 0, both = 0;
};

Timing time_loss(LossPath path, std::int64_t n, std::int64_t c, int repeats) {
  Generator gen(1);
  // Enough input sets that together they exceed the 50 MB L2 of an H100.
  const std::int64_t bytes = 2 * n * c * 4;
  const int sets = static_cast<int>(std::clamp<std::int64_t>(128 * 1024 * 1024 / bytes, 2, 16));
  std::vector<Tensor> fg, bg;
  for (int s = 0; s < sets; ++s) {
    fg.push_back(uniform({n, c}, 0.0, 1.0, gen).to(Device::cuda()).set_requires_grad());
    bg.push_back(uniform({n, c}, 0.0, 1.0, gen).to(Device::cuda()).set_requires_grad());
  }
  const auto clear = [&](int r) {
    fg[r % sets].zero_grad();
    bg[r % sets].zero_grad();
  };
  Timing t;
  t.forward = median_ms(repeats, clear, [&](int r) {
    NoGradGuard no_grad;
    (void)contrastive_loss(fg[r % sets], bg[r % sets], 0.25, path);
  });
  Tensor total;
  t.backward = median_ms(
      repeats,
      [&](int r) {
        clear(r);
        total = contrastive_loss(fg[r % sets], bg[r % sets], 0.25, path).total;
        cuda::synchronize();
      },
      [&](int) { total.backward(); });
  t.both = median_ms(repeats, clear, [&](int r) { contrastive_loss(fg[r % sets], bg[r % sets], 0.25, path).total.backward(); });
  return t;
}

// The three N×N×C products of the similarities, straight through cuBLAS.
double time_gemms(std::int64_t n, std::int64_t c, int repeats) {
  Generator gen(2);
  const Tensor a = uniform({n, c}, 0.0, 1.0, gen).to(Device::cuda());
  const Tensor b = uniform({n, c}, 0.0, 1.0, gen).to(Device::cuda());
  Tensor out = empty({3, n, n}, Device::cuda());
  cublasHandle_t handle;
  if (cublasCreate(&handle) != CUBLAS_STATUS_SUCCESS) throw Error("cublasCreate failed");
  cublasSetStream(handle, library_stream());
  const cublasComputeType_t compute = cuda::allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  const float one = 1, zero = 0;
  const int in = static_cast<int>(n), ic = static_cast<int>(c);
  const float* x[3] = {b.data<float>(), b.data<float>(), a.data<float>()};
  const float* y[3] = {b.data<float>(), a.data<float>(), a.data<float>()};
  const double ms = median_ms(repeats, [](int) {}, [&](int) {
    for (int k = 0; k < 3; ++k) {
      const cublasStatus_t s = cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, in, in, ic, &one, x[k], CUDA_R_32F, ic,
                                            y[k], CUDA_R_32F, ic, &zero, out.data<float>() + k * n * n, CUDA_R_32F, in,
                                            compute, CUBLAS_GEMM_DEFAULT);
      if (s != CUBLAS_STATUS_SUCCESS) throw Error("cublasGemmEx failed");
    }
  });
  cublasDestroy(handle);
  return ms;
}

// One minimal library launch: the latency floor of one kernel.
double time_launch(int repeats) {
  Tensor one = empty({1}, Device::cuda());
  return median_ms(repeats, [](int) {}, [&](int) { one.fill_(0.0); });
}

}  // namespace

int main(int argc, char** argv) try {
  int repeats = 200;
  bool quick = false;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeats" && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--json" && i + 1 < argc) json_path = argv[++i];
    else if (arg == "--strict-fp32") cuda::set_allow_tf32(false);
    else if (arg == "--quick") quick = true;
    else {
      std::fprintf(stderr, "usage: loss_bench [--repeats N] [--json PATH] [--strict-fp32] [--quick]\n");
      return 2;
    }
  }
  if (!cuda::available()) {
    std::printf("loss_bench: no usable GPU (%s); nothing measured\n", cuda::availability().reason.c_str());
    return 0;
  }
  const std::vector<std::int64_t> ns = quick ? std::vector<std::int64_t>{16, 128, 1024}
                                             : std::vector<std::int64_t>{16, 32, 64, 128, 256, 1024, 4096};
  const double bandwidth = peak_bandwidth_bytes_per_ms(), launch = time_launch(repeats);
  std::printf("c2am loss_bench on %s, %s, median of %d runs, peak bandwidth %.0f GB/s, one launch %.1f us\n\n",
              cuda::device_name(0).c_str(), cuda::allow_tf32() ? "TF32" : "strict FP32", repeats, bandwidth / 1e6,
              launch * 1e3);
  std::printf("%6s %6s %9s %10s %10s %10s %9s %9s %9s %10s %9s\n", "N", "C", "impl", "fwd us", "bwd us", "f+b us",
              "speedup", "floor us", "of floor", "3 GEMM us", "f/GEMM");
  std::ostringstream json;
  json << "{\n  \"benchmark\": \"loss_bench\",\n  \"gpu\": \"" << cuda::device_name(0) << "\",\n  \"tf32\": "
       << (cuda::allow_tf32() ? "true" : "false") << ",\n  \"launch_us\": " << launch * 1e3 << ",\n  \"rows\": [\n";
  bool first = true;
  for (std::int64_t c : {768, 3072}) {
    for (std::int64_t n : ns) {
      // Fewer runs where one takes milliseconds (the composed path ranks on the host).
      const int few = std::max(5, repeats / 20), reps = n >= 1024 ? few : repeats;
      const double gemms = time_gemms(n, c, reps);
      const Timing fused = time_loss(LossPath::fused, n, c, reps);
      const Timing composed = time_loss(LossPath::composed, n, c, n >= 1024 ? 5 : reps);
      const double bytes = 6.0 * static_cast<double>(n * c) * 4.0;  // read fg, bg twice; write two gradients
      const double floor = std::max(bytes / bandwidth, 2 * launch);
      for (const auto& [name, t] : {std::pair<const char*, Timing>{"fused", fused}, {"composed", composed}}) {
        std::printf("%6lld %6lld %9s %10.1f %10.1f %10.1f %9.2f %9.1f %9.2f %10.1f %9.2f\n", static_cast<long long>(n),
                    static_cast<long long>(c), name, t.forward * 1e3, t.backward * 1e3, t.both * 1e3,
                    composed.both / t.both, floor * 1e3, floor / t.both, gemms * 1e3, t.forward / gemms);
        json << (first ? "" : ",\n") << "    {\"n\": " << n << ", \"c\": " << c << ", \"impl\": \"" << name
             << "\", \"forward_us\": " << t.forward * 1e3 << ", \"backward_us\": " << t.backward * 1e3
             << ", \"forward_backward_us\": " << t.both * 1e3 << ", \"speedup_vs_composed\": " << composed.both / t.both
             << ", \"floor_us\": " << floor * 1e3 << ", \"fraction_of_floor\": " << floor / t.both
             << ", \"three_gemms_us\": " << gemms * 1e3 << ", \"forward_over_gemms\": " << t.forward / gemms << "}";
        first = false;
      }
    }
  }
  json << "\n  ]\n}\n";
  if (!json_path.empty()) {
    std::ofstream(json_path) << json.str();
    std::printf("\nwrote %s\n", json_path.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "loss_bench: %s\n", e.what());
  return 1;
}
