// CPU training throughput: one full C²AM step (forward, loss, backward, SGD
// update) on a batch of random images, for a ResNet-18 at 224×224 and for
// the tiny model of the demo. Median of --repeats steps after one warm-up;
// a table and JSON (also to --json PATH).
//
// Usage: train_bench [--repeats N] [--batch N] [--json PATH]

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "c2am/c2am.hpp"

using namespace c2am;

namespace {

struct Case {
  std::string name;
  int depth;
  std::int64_t base_width;
  std::int64_t size;
  std::array<int, 4> strides{1, 2, 2, 1};
};

struct Row {
  Case c;
  double step_ms;
  double images_per_second;
};

Row measure(const Case& c, std::int64_t batch, int repeats) {
  ModelConfig config;
  config.backbone.depth = c.depth;
  config.backbone.base_width = c.base_width;
  config.backbone.strides = c.strides;
  Model model(config);
  const ParameterGroups g = model.parameter_groups();
  Sgd sgd({{"bw", g.backbone_weights, 1, 1e-4}, {"bb", g.backbone_biases, 2, 0}, {"hw", g.head_weights, 10, 1e-4},
           {"hb", g.head_biases, 20, 0}},
          {0.9, false});
  Generator gen(1);
  const Tensor images = normal({batch, 3, c.size, c.size}, 0, 1, gen);
  std::vector<double> times;
  for (int r = 0; r <= repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const ModelOutput out = model.forward(images);
    const Tensor loss = contrastive_loss(out.fg, out.bg, 0.05).total;
    sgd.zero_grad();
    loss.backward();
    sgd.step(1e-4);
    const double ms = 1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r > 0) times.push_back(ms);
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  return {c, median, 1e3 * static_cast<double>(batch) / median};
}

}  // namespace

int main(int argc, char** argv) try {
  int repeats = 5;
  std::int64_t batch = 16;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeats" && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--batch" && i + 1 < argc) batch = std::max(2, std::atoi(argv[++i]));
    else if (arg == "--json" && i + 1 < argc) json_path = argv[++i];
    else {
      std::fprintf(stderr, "usage: train_bench [--repeats N] [--batch N] [--json PATH]\n");
      return 2;
    }
  }
  // The demo's model: base width 8, strides [1, 1, 2, 1], 80×80 crops.
  const std::vector<Case> cases = {{"resnet18 @224", 18, 64, 224, {1, 2, 2, 1}},
                                   {"demo model @80", 18, 8, 80, {1, 1, 2, 1}}};
  std::printf("c2am train_bench: batch %lld, CPU, %u hardware threads, median of %d steps\n\n",
              static_cast<long long>(batch), std::thread::hardware_concurrency(), repeats);
  std::printf("%-24s %12s %12s\n", "model", "step ms", "images/s");
  std::ostringstream json;
  json << "{\n  \"benchmark\": \"train_bench\",\n  \"batch\": " << batch << ",\n  \"rows\": [\n";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Row row = measure(cases[i], batch, repeats);
    std::printf("%-24s %12.1f %12.2f\n", row.c.name.c_str(), row.step_ms, row.images_per_second);
    std::fflush(stdout);
    json << "    {\"model\": \"" << row.c.name << "\", \"depth\": " << row.c.depth << ", \"base_width\": "
         << row.c.base_width << ", \"input\": " << row.c.size << ", \"step_ms\": " << row.step_ms
         << ", \"images_per_s\": " << row.images_per_second << "}" << (i + 1 < cases.size() ? "," : "") << "\n";
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
