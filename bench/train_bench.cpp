// CPU throughput of C²AM, in the rows bench/train_bench_torch.py measures
// for PyTorch (same shapes, same thread count):
//  - training: one full step (forward, loss, backward, SGD update) on a batch
//    of random images for ResNet-18 and ResNet-50 at 224×224, and for the
//    tiny model of the demo;
//  - inference: ResNet-50 maps (backbone + head, evaluation mode, no
//    gradient) at 448×448, batch 1 and 8.
// Median of --repeats runs after one warm-up; a table and JSON (also to
// --json PATH). The CPU engine is the default one (oneDNN where the build has
// it; C2AM_CPU_ENGINE=reference for c2am's own kernels).
//
// Usage: train_bench [--repeats N] [--batch N] [--json PATH] [--quick]

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <omp.h>

#include "c2am/c2am.hpp"

using namespace c2am;

namespace {

struct Case {
  std::string name;
  std::string mode;  // "train" or "inference"
  int depth;
  std::int64_t base_width;
  std::int64_t size;
  std::int64_t batch;
  std::array<int, 4> strides{1, 2, 2, 1};
};

struct Row {
  Case c;
  double ms;
  double images_per_second;
};

double median_ms(int repeats, const std::function<void()>& run) {
  std::vector<double> times;
  for (int r = 0; r <= repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    const double ms = 1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r > 0) times.push_back(ms);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

Row measure(const Case& c, int repeats) {
  ModelConfig config;
  config.backbone.depth = c.depth;
  config.backbone.base_width = c.base_width;
  config.backbone.strides = c.strides;
  Model model(config);
  Generator gen(1);
  const Tensor images = normal({c.batch, 3, c.size, c.size}, 0, 1, gen);
  double ms = 0;
  if (c.mode == "inference") {
    model.eval();
    NoGradGuard no_grad;
    ms = median_ms(repeats, [&] { model.forward_raw_map(images); });
  } else {
    const ParameterGroups g = model.parameter_groups();
    Sgd sgd({{"bw", g.backbone_weights, 1, 1e-4}, {"bb", g.backbone_biases, 2, 0}, {"hw", g.head_weights, 10, 1e-4},
             {"hb", g.head_biases, 20, 0}},
            {0.9, false});
    ms = median_ms(repeats, [&] {
      const ModelOutput out = model.forward(images);
      const Tensor loss = contrastive_loss(out.fg, out.bg, 0.05).total;
      sgd.zero_grad();
      loss.backward();
      sgd.step(1e-4);
    });
  }
  return {c, ms, 1e3 * static_cast<double>(c.batch) / ms};
}

const char* engine_name() {
  return cpu_engine() == CpuEngine::OneDnn ? "oneDNN" : "reference";
}

}  // namespace

int main(int argc, char** argv) try {
  int repeats = 5;
  std::int64_t batch = 16;
  bool quick = false;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeats" && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--batch" && i + 1 < argc) batch = std::max(2, std::atoi(argv[++i]));
    else if (arg == "--json" && i + 1 < argc) json_path = argv[++i];
    else if (arg == "--quick") quick = true;
    else {
      std::fprintf(stderr, "usage: train_bench [--repeats N] [--batch N] [--json PATH] [--quick]\n");
      return 2;
    }
  }
  // The demo's model: base width 8, strides [1, 1, 2, 1], 80×80 crops.
  std::vector<Case> cases = {{"resnet18 @224", "train", 18, 64, 224, batch},
                             {"resnet50 @224", "train", 50, 64, 224, batch},
                             {"demo model @80", "train", 18, 8, 80, batch, {1, 1, 2, 1}},
                             {"resnet50 maps @448", "inference", 50, 64, 448, 1},
                             {"resnet50 maps @448", "inference", 50, 64, 448, 8}};
  if (quick) cases = {cases[0], cases[2], cases[3]};
  std::printf("c2am train_bench: CPU engine %s, %d OpenMP threads, median of %d runs\n\n", engine_name(),
              omp_get_max_threads(), repeats);
  std::printf("%-24s %-10s %5s %12s %12s\n", "model", "mode", "batch", "ms", "images/s");
  std::ostringstream json;
  json << "{\n  \"benchmark\": \"train_bench\",\n  \"engine\": \"" << engine_name()
       << "\",\n  \"threads\": " << omp_get_max_threads() << ",\n  \"rows\": [\n";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Row row = measure(cases[i], repeats);
    std::printf("%-24s %-10s %5lld %12.1f %12.2f\n", row.c.name.c_str(), row.c.mode.c_str(),
                static_cast<long long>(row.c.batch), row.ms, row.images_per_second);
    std::fflush(stdout);
    json << "    {\"model\": \"" << row.c.name << "\", \"mode\": \"" << row.c.mode << "\", \"batch\": " << row.c.batch
         << ", \"depth\": " << row.c.depth << ", \"base_width\": " << row.c.base_width << ", \"input\": " << row.c.size
         << ", \"ms\": " << row.ms << ", \"images_per_s\": " << row.images_per_second << "}"
         << (i + 1 < cases.size() ? "," : "") << "\n";
  }
  json << "  ]\n}\n";
  std::printf("\n%s", json.str().c_str());
  if (!json_path.empty()) {
    std::ofstream(json_path + ".tmp") << json.str();
    std::rename((json_path + ".tmp").c_str(), json_path.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_bench: %s\n", e.what());
  return 1;
}
