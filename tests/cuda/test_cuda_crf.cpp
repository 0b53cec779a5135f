// The batched GPU dense CRF against the CPU DenseCRF: the pydensecrf2
// fixtures, fresh images of different sizes in one batch, one image alone
// and inside a batch, 21 labels, run-to-run bit equality, and the key-range
// error. Device memory starts as NaN (test_cuda_main.cpp).
//
// The batch with 500×375 and 256×256 images is tagged [heavy]:
// compute-sanitizer (scripts/gpu-check) runs the others first and it on its own.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "c2am/wsss/cues.hpp"
#include "c2am/wsss/dense_crf.hpp"
#include "support/crf_fixtures.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using namespace c2am::wsss;

namespace {

Image scene(int w, int h, Generator& gen) { return c2am::testing::two_regions(w, h, gen, 30); }

std::vector<float> random_probabilities(std::size_t pixels, int labels, Generator& gen) {
  std::vector<float> p(pixels * static_cast<std::size_t>(labels));
  for (std::size_t i = 0; i < pixels; ++i) {
    float total = 0;
    for (int l = 0; l < labels; ++l) total += p[l * pixels + i] = static_cast<float>(gen.uniform()) + 0.05f;
    for (int l = 0; l < labels; ++l) p[l * pixels + i] /= total;
  }
  return p;
}

struct Agreement {
  double labels = 0, mean_abs = 0, worst = 0;
};

Agreement agreement(const std::vector<float>& a, const std::vector<float>& b, int labels) {
  Agreement r;
  const auto la = DenseCRF::labels_of(a, labels), lb = DenseCRF::labels_of(b, labels);
  for (std::size_t i = 0; i < la.size(); ++i) r.labels += la[i] == lb[i];
  r.labels /= static_cast<double>(la.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(static_cast<double>(a[i]) - b[i]);
    r.mean_abs += d;
    r.worst = std::isnan(d) ? INFINITY : std::max(r.worst, d);
  }
  r.mean_abs /= static_cast<double>(a.size());
  return r;
}

// GPU and CPU on the same problems: labels agree on ≥ 99.9 % of the pixels,
// mean |ΔQ| ≤ 1e-4 (float rounding: FMA, expf; see docs/wsss.md).
void check_gpu_matches_cpu(const std::vector<CrfProblem>& problems, int labels, const PairwiseKernels& kernels,
                           int iterations) {
  const auto gpu = dense_crf_batch(problems, labels, kernels, iterations, Device::cuda());
  const auto cpu = dense_crf_batch(problems, labels, kernels, iterations, Device::cpu());
  REQUIRE(gpu.size() == cpu.size());
  for (std::size_t i = 0; i < gpu.size(); ++i) {
    const Agreement a = agreement(gpu[i], cpu[i], labels);
    INFO("image " << i << " (" << problems[i].image->width << "x" << problems[i].image->height << "): labels "
                  << a.labels << ", mean |dQ| " << a.mean_abs << ", worst " << a.worst);
    CHECK(a.labels >= 0.999);
    CHECK(a.mean_abs <= 1e-4);
  }
}

// Images of the given (width, height) in one batch with random
// probabilities, 2 and 21 labels, default and narrower kernels.
void check_batch_of_sizes(const std::vector<std::pair<int, int>>& sizes, Generator& gen) {
  std::vector<Image> images;
  for (const auto& [w, h] : sizes) images.push_back(scene(w, h, gen));
  for (int labels : {2, 21}) {
    INFO(labels << " labels");
    std::vector<CrfProblem> problems;
    for (const Image& image : images) {
      const std::size_t pixels = static_cast<std::size_t>(image.width) * image.height;
      problems.push_back({&image, unary_from_probabilities(random_probabilities(pixels, labels, gen))});
    }
    check_gpu_matches_cpu(problems, labels, PairwiseKernels{}, 10);
    check_gpu_matches_cpu(problems, labels, PairwiseKernels{3, 3, 80, 13, 10}, 5);
  }
}

}  // namespace

TEST_CASE("GPU dense CRF matches the CPU on the pydensecrf2 fixtures", "[cuda][crf]") {
  for (const char* name : {"cues_36x48", "softmax_30x40"}) {
    INFO(name);
    const auto fixture = c2am::testing::load_crf_fixture(name);
    const std::vector<CrfProblem> problems{{&fixture.image, fixture.unary}};
    for (int iterations : {1, 10}) {
      check_gpu_matches_cpu(problems, fixture.labels, fixture.kernels, iterations);
      const Agreement a = agreement(dense_crf_batch(problems, fixture.labels, fixture.kernels, iterations, Device::cuda())[0],
                                    fixture.q.at(iterations), fixture.labels);
      INFO("vs pydensecrf2 after " << iterations << ": labels " << a.labels << ", mean |dQ| " << a.mean_abs);
      CHECK(a.labels >= 0.995);
      CHECK(a.mean_abs <= 1e-4);
    }
  }
}

TEST_CASE("GPU dense CRF: a batch of small images of different sizes, 2 and 21 labels", "[cuda][crf]") {
  Generator gen(26);
  check_batch_of_sizes({{1, 1}, {7, 3}, {40, 30}, {33, 129}}, gen);
}

TEST_CASE("GPU dense CRF: a batch of sizes up to 500x375, 2 and 21 labels", "[cuda][crf][heavy]") {
  Generator gen(21);
  check_batch_of_sizes({{1, 1}, {7, 3}, {40, 30}, {500, 375}, {33, 129}, {256, 256}}, gen);
}

TEST_CASE("GPU dense CRF: an image alone and inside a batch give the same bits, run to run", "[cuda][crf]") {
  Generator gen(22);
  std::vector<Image> images;
  for (int i = 0; i < 5; ++i) images.push_back(scene(120 + 17 * i, 90 + 5 * i, gen));
  std::vector<CrfProblem> problems;
  for (const Image& image : images)
    problems.push_back({&image, unary_from_probabilities(
                                    random_probabilities(static_cast<std::size_t>(image.width) * image.height, 2, gen))});
  const auto batch = dense_crf_batch(problems, 2, PairwiseKernels{}, 10, Device::cuda());
  const auto again = dense_crf_batch(problems, 2, PairwiseKernels{}, 10, Device::cuda());
  const auto alone = dense_crf_batch({problems[3]}, 2, PairwiseKernels{}, 10, Device::cuda());
  CHECK(batch == again);
  CHECK(alone[0] == batch[3]);
}

TEST_CASE("GPU background cues equal the CPU's on nearly every pixel", "[cuda][crf]") {
  Generator gen(23);
  std::vector<Image> images;
  std::vector<std::vector<float>> maps;
  for (int i = 0; i < 4; ++i) {
    images.push_back(scene(200 + 31 * i, 150, gen));
    std::vector<float> map(static_cast<std::size_t>(images.back().width) * images.back().height);
    for (std::size_t p = 0; p < map.size(); ++p) map[p] = static_cast<float>(gen.uniform());
    maps.push_back(std::move(map));
  }
  const auto gpu = background_cues(images, maps, CueOptions{}, Device::cuda());
  const auto cpu = background_cues(images, maps, CueOptions{}, Device::cpu());
  for (std::size_t i = 0; i < images.size(); ++i) {
    std::size_t same = 0;
    for (std::size_t p = 0; p < gpu[i].size(); ++p) same += gpu[i][p] == cpu[i][p];
    CHECK(static_cast<double>(same) / static_cast<double>(gpu[i].size()) >= 0.999);
  }
}

TEST_CASE("GPU dense CRF names a kernel too narrow for its key range", "[cuda][crf][errors]") {
  Generator gen(24);
  const Image image = scene(300, 300, gen);
  const std::vector<CrfProblem> problems{{&image, std::vector<float>(2 * 300 * 300, 1.0f)}};
  PairwiseKernels tiny;
  tiny.bilateral_srgb = 0.1;  // RGB / 0.1 puts vertex coordinates beyond 12-bit keys
  CHECK_THAT(c2am::testing::error_message([&] { (void)dense_crf_batch(problems, 2, tiny, 1, Device::cuda()); }),
             Catch::Contains("bilateral") && Catch::Contains("use the CPU"));
}
