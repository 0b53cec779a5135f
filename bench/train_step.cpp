// GPU training throughput: images/s of one C²AM training step (forward,
// loss through the generic ops, backward, SGD update) for ResNet-50 with
// [layer4, layer3] features, batch 16 at 224 and batch 32 at 448, with the
// pool's peak memory. Median of --repeats steps after warm-up, each step
// timed between device synchronizations. A table and JSON (--json PATH).
// Without a usable GPU it says so and exits 0. --quick (for a short device
// check, scripts/gpu-check): batch 16 at 224 only, 3 steps after 2 warm-up
// steps unless --repeats says otherwise.
//
// Usage: train_step [--repeats N] [--json PATH] [--strict-fp32] [--quick]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "c2am/c2am.hpp"

using namespace c2am;

int main(int argc, char** argv) try {
  int repeats = 0;  // 0: the mode's default
  bool quick = false;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeats" && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--json" && i + 1 < argc) json_path = argv[++i];
    else if (arg == "--strict-fp32") cuda::set_allow_tf32(false);
    else if (arg == "--quick") quick = true;
    else {
      std::fprintf(stderr, "usage: train_step [--repeats N] [--json PATH] [--strict-fp32] [--quick]\n");
      return 2;
    }
  }
  if (!cuda::available()) {
    std::printf("train_step: no usable GPU (%s); nothing measured\n", cuda::availability().reason.c_str());
    return 0;
  }
  if (repeats == 0) repeats = quick ? 3 : 10;
  const int warm_up = quick ? 2 : 3;  // the first step also picks the cuDNN algorithms
  struct Case {
    std::int64_t batch, size;
  };
  std::printf("c2am train_step on %s, ResNet-50 [layer4, layer3], %s, median of %d steps\n\n",
              cuda::device_name(0).c_str(), cuda::allow_tf32() ? "TF32" : "strict FP32", repeats);
  std::printf("%8s %8s %12s %12s %14s\n", "batch", "input", "step ms", "images/s", "peak MiB");
  std::ostringstream json;
  json << "{\n  \"benchmark\": \"train_step\",\n  \"gpu\": \"" << cuda::device_name(0) << "\",\n  \"tf32\": "
       << (cuda::allow_tf32() ? "true" : "false") << ",\n  \"rows\": [\n";
  const std::vector<Case> cases = quick ? std::vector<Case>{{16, 224}} : std::vector<Case>{{16, 224}, {32, 448}};
  for (std::size_t c = 0; c < cases.size(); ++c) {
    ModelConfig config;
    config.device = Device::cuda();
    Model model(config);
    const ParameterGroups g = model.parameter_groups();
    Sgd sgd({{"bw", g.backbone_weights, 1, 1e-4}, {"bb", g.backbone_biases, 2, 0}, {"hw", g.head_weights, 10, 1e-4},
             {"hb", g.head_biases, 20, 0}},
            {1e-4, false});
    Generator gen(1);
    const Tensor images = normal({cases[c].batch, 3, cases[c].size, cases[c].size}, 0, 1, gen).to(Device::cuda());
    const auto step = [&] {
      const ModelOutput out = model.forward(images);
      const Tensor loss = contrastive_loss(out.fg, out.bg, 0.05).total;
      sgd.zero_grad();
      loss.backward();
      sgd.step(1e-4);
    };
    for (int w = 0; w < warm_up; ++w) step();
    cuda::synchronize();
    cuda::reset_peak_memory();
    std::vector<double> ms;
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      step();
      cuda::synchronize();
      ms.push_back(1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    const double ips = 1e3 * static_cast<double>(cases[c].batch) / median;
    const double peak = static_cast<double>(cuda::peak_memory()) / (1 << 20);
    std::printf("%8lld %8lld %12.1f %12.1f %14.0f\n", static_cast<long long>(cases[c].batch),
                static_cast<long long>(cases[c].size), median, ips, peak);
    json << "    {\"batch\": " << cases[c].batch << ", \"input\": " << cases[c].size << ", \"step_ms\": " << median
         << ", \"images_per_s\": " << ips << ", \"peak_mib\": " << peak << "}" << (c + 1 < cases.size() ? "," : "")
         << "\n";
  }
  json << "  ]\n}\n";
  std::printf("\n%s", json.str().c_str());
  if (!json_path.empty()) std::ofstream(json_path) << json.str();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_step: %s\n", e.what());
  return 1;
}
