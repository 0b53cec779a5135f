// CPU dense CRF benchmark: 10 mean-field iterations on a 500×375 image with
// 2 labels (the background-cue setting: hard-label unaries, gt_prob 0.7) and
// 21 labels (softmax unaries), the release's kernels (Gaussian σ 3, weight 3;
// bilateral σ_xy 50, σ_rgb 5, weight 10), timed from the unaries to the
// labels (lattice construction included), on 1 thread and on all threads.
//
// The inputs are generated (a synthetic scene, a noisy cue, smooth random
// class probabilities) and written to --inputs DIR with this run's Q, so
// that bench/crf_bench_pydensecrf.py times pydensecrf2 on the same inputs and
// measures the agreement. Prints a table; --json PATH writes the rows.
//
// With a usable GPU it adds the batched CUDA CRF (wsss::dense_crf_batch on
// Device::cuda(), host-to-host: upload, lattices, iterations, download): one
// image, and throughput in images/s for batches of 64.
//
// --quick (for a short device check, scripts/gpu-check): the CUDA rows
// alone, median of 3 runs unless --repeats says otherwise; no CPU rows and
// no inputs written.
//
// Usage: crf_bench [--repeats N] [--inputs DIR] [--json PATH] [--quick]

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "c2am/c2am.hpp"

using namespace c2am;

namespace {

constexpr int kWidth = 500, kHeight = 375, kIterations = 10;

struct Inputs {
  Image image;
  std::vector<std::uint8_t> cue;       // 0/1 per pixel
  std::vector<float> probabilities;    // 21 × pixels
};

Inputs make_inputs() {
  SyntheticConfig config;
  config.count = 1;
  config.image_size = kWidth;
  config.seed = 7;
  const auto scene = make_synthetic(config);
  const Image square = scene->load_image(0);
  int mw = 0, mh = 0;
  const std::vector<std::uint8_t> mask = scene->load_mask(0, mw, mh);
  Inputs in;
  in.image = Image(kWidth, kHeight);
  std::copy_n(square.pixels.begin(), in.image.pixels.size(), in.image.pixels.begin());
  const std::size_t pixels = static_cast<std::size_t>(kWidth) * kHeight;
  // The object's mask with 10 % of the pixels flipped: a cue for the CRF to clean.
  Generator gen(3);
  const auto noise = uniform({static_cast<std::int64_t>(pixels)}, 0.0, 1.0, gen).to_vector<float>();
  in.cue.resize(pixels);
  for (std::size_t p = 0; p < pixels; ++p) in.cue[p] = static_cast<std::uint8_t>((mask[p] == 1) != (noise[p] < 0.1f));
  // Smooth random class scores, softmax over 21 labels.
  const auto phase = uniform({21, 3}, 0.0, 6.28, gen).to_vector<float>();
  in.probabilities.assign(21 * pixels, 0.0f);
  for (std::size_t p = 0; p < pixels; ++p) {
    const float x = static_cast<float>(p % kWidth), y = static_cast<float>(p / kWidth);
    float total = 0;
    for (int l = 0; l < 21; ++l) {
      const float* f = &phase[static_cast<std::size_t>(l) * 3];
      const float e = std::exp(3.0f * std::sin(0.01f * f[0] * x + 0.013f * f[1] * y + f[2]));
      in.probabilities[l * pixels + p] = e;
      total += e;
    }
    for (int l = 0; l < 21; ++l) in.probabilities[l * pixels + p] /= total;
  }
  return in;
}

std::vector<float> run_crf(const Inputs& in, int labels) {
  wsss::DenseCRF crf(kWidth, kHeight, labels);
  if (labels == 2) crf.set_unary_from_labels(in.cue, 0.7);
  else crf.set_unary_from_probabilities(in.probabilities);
  crf.add_gaussian(3, 3);
  crf.add_bilateral(50, 5, in.image, 10);
  return crf.inference(kIterations);
}

double median_ms(int repeats, const Inputs& in, int labels) {
  std::vector<double> ms;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    (void)run_crf(in, labels);
    ms.push_back(1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  int repeats = 0;  // 0: the mode's default
  bool quick = false;
  std::string inputs_dir = "crf-bench-inputs", json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeats" && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--inputs" && i + 1 < argc) inputs_dir = argv[++i];
    else if (arg == "--json" && i + 1 < argc) json_path = argv[++i];
    else if (arg == "--quick") quick = true;
    else {
      std::fprintf(stderr, "usage: crf_bench [--repeats N] [--inputs DIR] [--json PATH] [--quick]\n");
      return 2;
    }
  }
  if (repeats == 0) repeats = quick ? 3 : 5;
  if (quick && !cuda::available()) {
    std::printf("crf_bench --quick: no usable GPU (%s); nothing measured\n", cuda::availability().reason.c_str());
    return 0;
  }
  const Inputs in = make_inputs();
  const int all_threads = omp_get_max_threads();
  std::printf("c2am crf_bench: %dx%d, %d iterations, median of %d runs (from unaries to Q, lattices included)\n",
              kWidth, kHeight, kIterations, repeats);
  std::ostringstream json;
  json << "{\n  \"benchmark\": \"crf_bench\",\n  \"width\": " << kWidth << ",\n  \"height\": " << kHeight
       << ",\n  \"iterations\": " << kIterations << ",\n  \"rows\": [\n";
  bool first = true;
  if (!quick) {  // the CPU rows and, for crf_bench_pydensecrf.py, the inputs and this run's Q
    std::filesystem::create_directories(inputs_dir);
    write_png(inputs_dir + "/image.png", in.image);
    write_npy(inputs_dir + "/cue.npy", std::vector<float>(in.cue.begin(), in.cue.end()), {kHeight, kWidth});
    write_npy(inputs_dir + "/probabilities.npy", in.probabilities, {21, kHeight, kWidth});
    std::printf("\n%8s %8s %12s\n", "labels", "threads", "ms");
    for (int labels : {2, 21}) {
      write_npy(inputs_dir + "/c2am_q" + std::to_string(labels) + ".npy", run_crf(in, labels),
                {labels, kHeight, kWidth});
      for (int threads : {1, all_threads}) {
        omp_set_num_threads(threads);
        const double ms = median_ms(repeats, in, labels);
        std::printf("%8d %8d %12.1f\n", labels, threads, ms);
        json << (first ? "" : ",\n") << "    {\"labels\": " << labels << ", \"threads\": " << threads
             << ", \"ms\": " << ms << "}";
        first = false;
        if (all_threads == 1) break;
      }
      omp_set_num_threads(all_threads);
    }
  }
  if (cuda::available()) {
    std::printf("\n%8s %8s %12s %12s   (CUDA, %s)\n", "labels", "batch", "ms", "images/s", cuda::device_name(0).c_str());
    for (int labels : {2, 21}) {
      std::vector<float> unary = labels == 2 ? wsss::unary_from_labels(in.cue, 2, 0.7)
                                             : wsss::unary_from_probabilities(in.probabilities);
      for (int batch : {1, 64}) {
        const std::vector<wsss::CrfProblem> problems(static_cast<std::size_t>(batch), {&in.image, unary});
        (void)wsss::dense_crf_batch(problems, labels, {}, kIterations, Device::cuda());  // warm-up
        std::vector<double> ms;
        for (int r = 0; r < repeats; ++r) {
          const auto start = std::chrono::steady_clock::now();
          (void)wsss::dense_crf_batch(problems, labels, {}, kIterations, Device::cuda());
          ms.push_back(1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
        std::sort(ms.begin(), ms.end());
        const double median = ms[ms.size() / 2], rate = 1e3 * batch / median;
        std::printf("%8d %8d %12.2f %12.1f\n", labels, batch, median, rate);
        json << (first ? "" : ",\n") << "    {\"labels\": " << labels << ", \"device\": \"cuda\", \"batch\": " << batch
             << ", \"ms\": " << median << ", \"images_per_s\": " << rate << "}";
        first = false;
      }
    }
  }
  json << "\n  ]\n}\n";
  if (!json_path.empty()) {
    std::ofstream(json_path) << json.str();
    std::printf("\nwrote %s\n", json_path.c_str());
  }
  if (!quick) std::printf("inputs and Q in %s (for bench/crf_bench_pydensecrf.py)\n", inputs_dir.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "crf_bench: %s\n", e.what());
  return 1;
}
