// The dense CRF: the permutohedral lattice against exact O(N²) filtering,
// label cleaning on a two-region image, unaries, errors.

#include <catch2/catch.hpp>
#include <omp.h>

#include <cmath>
#include <cstdio>

#include <map>

#include "c2am/io/safetensors.hpp"
#include "c2am/wsss/dense_crf.hpp"
#include "permutohedral_math.cuh"
#include "wsss/permutohedral.hpp"
#include "support/crf_fixtures.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using namespace c2am::wsss;
using c2am::testing::two_regions;

namespace {

std::vector<std::uint8_t> truth_of(int w, int h) {
  std::vector<std::uint8_t> t(static_cast<std::size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) t[static_cast<std::size_t>(y) * w + x] = x >= w / 2;
  return t;
}

double agreement(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  return static_cast<double>(same) / static_cast<double>(a.size());
}

}  // namespace

TEST_CASE("without kernels the CRF returns softmax(-U)", "[crf]") {
  DenseCRF crf(2, 1, 3);
  crf.set_unary({0.0f, 1.0f, 2.0f, 0.0f, 0.0f, 2.0f});  // label-major: 3 labels × 2 pixels
  const auto q = crf.inference(3);
  const double z0 = std::exp(0.0) + std::exp(-2.0) + std::exp(0.0);
  CHECK(q[0] == Approx(1.0 / z0));                   // label 0, pixel 0
  CHECK(q[2] == Approx(std::exp(-2.0) / z0));        // label 1, pixel 0
  CHECK(DenseCRF::labels_of(q, 3) == std::vector<std::uint8_t>{0, 1});  // a tie goes to the lower label
}

TEST_CASE("the lattice approximates exact mean-field closely", "[crf]") {
  Generator gen(5);
  const int w = 24, h = 20;
  const Image image = two_regions(w, h, gen);
  std::vector<std::uint8_t> noisy = truth_of(w, h);
  for (auto& l : noisy)
    if (gen.uniform() < 0.2) l = 1 - l;
  DenseCRF crf(w, h, 2);
  crf.set_unary_from_labels(noisy, 0.7);
  crf.add_gaussian(3, 3);
  crf.add_bilateral(10, 13, image, 10);
  for (int iterations : {1, 5}) {
    const auto lattice = crf.inference(iterations), exact = crf.inference(iterations, DenseCRF::Filtering::Exact);
    double mean_diff = 0, worst = 0;
    for (std::size_t i = 0; i < exact.size(); ++i) {
      mean_diff += std::abs(lattice[i] - exact[i]);
      worst = std::max(worst, double(std::abs(lattice[i] - exact[i])));
    }
    mean_diff /= static_cast<double>(exact.size());
    const double agree = agreement(DenseCRF::labels_of(lattice, 2), DenseCRF::labels_of(exact, 2));
    std::printf("crf %d iterations: mean |dQ| %.4f, worst %.4f, label agreement %.4f\n", iterations, mean_diff, worst,
                agree);
    INFO(iterations << " iterations: mean |dQ| " << mean_diff << ", worst " << worst << ", agreement " << agree);
    CHECK(mean_diff < 0.05);
    CHECK(agree >= 0.98);
  }
}

TEST_CASE("a bilateral CRF cleans noisy labels along colour edges", "[crf]") {
  Generator gen(6);
  const int w = 40, h = 30;
  const Image image = two_regions(w, h, gen);
  const auto truth = truth_of(w, h);
  std::vector<std::uint8_t> noisy = truth;
  for (auto& l : noisy)
    if (gen.uniform() < 0.25) l = 1 - l;
  DenseCRF crf(w, h, 2);
  crf.set_unary_from_labels(noisy, 0.7);
  crf.add_gaussian(3, 3);
  crf.add_bilateral(50, 5, image, 10);  // the release's cue parameters
  const auto cleaned = DenseCRF::labels_of(crf.inference(10), 2);
  INFO("noisy " << agreement(noisy, truth) << ", after the CRF " << agreement(cleaned, truth));
  CHECK(agreement(noisy, truth) < 0.8);
  CHECK(agreement(cleaned, truth) > 0.98);
}

TEST_CASE("CRF inputs are checked", "[crf][errors]") {
  DenseCRF crf(4, 3, 2);
  CHECK_THROWS_WITH(crf.set_unary({1, 2, 3}), Catch::Contains("3 values"));
  CHECK_THROWS_WITH(crf.set_unary_from_labels(std::vector<std::uint8_t>(12, 2), 0.7), Catch::Contains("label 2"));
  CHECK_THROWS_WITH(crf.set_unary_from_labels(std::vector<std::uint8_t>(12, 0), 1.0), Catch::Contains("gt_prob"));
  CHECK_THROWS_WITH(crf.add_bilateral(5, 5, Image(3, 3), 1), Catch::Contains("3x3"));
  CHECK_THROWS_WITH(crf.inference(1), Catch::Contains("unary"));
  CHECK_THROWS_WITH(DenseCRF(0, 3, 2), Catch::Contains("0x3"));
  // A colour width far too small for 8-bit RGB: lattice keys would not fit.
  Generator gen(12);
  DenseCRF narrow(30, 20, 2);
  narrow.set_unary(std::vector<float>(2 * 30 * 20, 1.0f));
  narrow.add_bilateral(50, 0.001, two_regions(30, 20, gen), 10);
  CHECK_THROWS_WITH(narrow.inference(1), Catch::Contains("beyond 16 bits"));
}

TEST_CASE("DenseCRF agrees with pydensecrf on its fixtures", "[crf][parity]") {
  for (const char* name : {"cues_36x48", "softmax_30x40"}) {
    INFO(name);
    const auto fixture = c2am::testing::load_crf_fixture(name);
    const auto& k = fixture.kernels;
    DenseCRF crf(fixture.image.width, fixture.image.height, fixture.labels);
    crf.set_unary(fixture.unary);
    crf.add_gaussian(k.gaussian_sxy, k.gaussian_weight);
    crf.add_bilateral(k.bilateral_sxy, k.bilateral_srgb, fixture.image, k.bilateral_weight);
    for (int iterations : {1, 10}) {
      const auto ours = crf.inference(iterations);
      const auto& theirs = fixture.q.at(iterations);
      REQUIRE(ours.size() == theirs.size());
      double mean_diff = 0;
      for (std::size_t i = 0; i < ours.size(); ++i) mean_diff += std::abs(ours[i] - theirs[i]);
      mean_diff /= static_cast<double>(ours.size());
      const double agree = agreement(DenseCRF::labels_of(ours, fixture.labels), DenseCRF::labels_of(theirs, fixture.labels));
      std::printf("pydensecrf %s, %d iterations: mean |dQ| %.2e, label agreement %.4f\n", name, iterations, mean_diff,
                  agree);
      INFO(iterations << " iterations: mean |dQ| " << mean_diff << ", agreement " << agree);
      CHECK(agree >= 0.995);
      CHECK(mean_diff < 1e-6);  // measured: at most 6.3e-8
    }
  }
}

TEST_CASE("the lattice gives the same bits on one thread and on all", "[crf]") {
  Generator gen(8);
  const int w = 96, h = 64;  // above the size where the passes go parallel
  const Image image = two_regions(w, h, gen);
  std::vector<float> probabilities(static_cast<std::size_t>(5) * w * h);
  for (float& p : probabilities) p = static_cast<float>(gen.uniform());
  const auto run = [&] {
    DenseCRF crf(w, h, 5);
    crf.set_unary_from_probabilities(probabilities);
    crf.add_gaussian(3, 3);
    crf.add_bilateral(20, 13, image, 10);
    return crf.inference(5);
  };
  const int all = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::vector<float> single = run();
  omp_set_num_threads(std::max(all, 3));  // several threads even on a one-core machine
  const std::vector<float> many = run();
  omp_set_num_threads(all);
  REQUIRE(single.size() == many.size());
  CHECK(std::equal(single.begin(), single.end(), many.begin()));
}

TEST_CASE("lattice keys pack in lexicographic order and unpack exactly", "[crf]") {
  Generator gen(10);
  for (int d : {2, 5}) {
    const int limit = d <= 4 ? 32767 : 2047;
    std::vector<std::pair<std::vector<std::int16_t>, std::uint64_t>> keys;
    for (int n = 0; n < 200; ++n) {
      std::vector<std::int16_t> key(static_cast<std::size_t>(d));
      for (auto& k : key) k = static_cast<std::int16_t>(static_cast<int>(gen.below(2 * limit + 1)) - limit);
      if (n == 0) std::fill(key.begin(), key.end(), static_cast<std::int16_t>(-limit - 1));  // the extremes
      if (n == 1) std::fill(key.begin(), key.end(), static_cast<std::int16_t>(limit));
      std::uint64_t packed = 0;
      REQUIRE(lattice::pack_key(d, key.data(), packed));
      std::vector<std::int16_t> back(static_cast<std::size_t>(d));
      lattice::unpack_key(d, packed, back.data());
      REQUIRE(back == key);
      keys.emplace_back(key, packed);
    }
    for (const auto& [a, pa] : keys)
      for (const auto& [b, pb] : keys) REQUIRE((a < b) == (pa < pb));
    std::vector<std::int16_t> too_big(static_cast<std::size_t>(d), 0);
    too_big[0] = static_cast<std::int16_t>(d <= 4 ? 0 : 2048);
    std::uint64_t packed = 0;
    if (d > 4) CHECK_FALSE(lattice::pack_key(d, too_big.data(), packed));
  }
}

TEST_CASE("dense_crf_batch on the CPU: each image as DenseCRF alone", "[crf]") {
  Generator gen(11);
  const std::vector<std::pair<int, int>> sizes{{40, 30}, {17, 23}, {64, 48}};
  std::vector<Image> images;
  for (const auto& [w, h] : sizes) images.push_back(two_regions(w, h, gen));
  std::vector<CrfProblem> problems;
  for (const Image& image : images) {
    std::vector<std::uint8_t> noisy = truth_of(image.width, image.height);
    for (auto& l : noisy)
      if (gen.uniform() < 0.2) l = 1 - l;
    problems.push_back({&image, unary_from_labels(noisy, 2, 0.7)});
  }
  const PairwiseKernels kernels;
  const auto batch = dense_crf_batch(problems, 2, kernels, 5);
  REQUIRE(batch.size() == problems.size());
  for (std::size_t i = 0; i < problems.size(); ++i) {
    DenseCRF crf(images[i].width, images[i].height, 2);
    crf.set_unary(problems[i].unary);
    crf.add_gaussian(kernels.gaussian_sxy, kernels.gaussian_weight);
    crf.add_bilateral(kernels.bilateral_sxy, kernels.bilateral_srgb, images[i], kernels.bilateral_weight);
    CHECK(batch[i] == crf.inference(5));
  }
  using c2am::testing::error_message;
  CHECK_THAT(error_message([&] { (void)dense_crf_batch({{&images[0], {1.0f, 2.0f}}}, 2, kernels, 5); }),
             Catch::Contains("problem 0") && Catch::Contains("2 values"));
  CHECK_THAT(error_message([&] { (void)dense_crf_batch(problems, 1, kernels, 5); }), Catch::Contains("labels"));
  CHECK(dense_crf_batch({}, 2, kernels, 5).empty());
}

namespace {

// The GPU's construction of the lattice (kernels/dense_crf.cu), step by step
// on the CPU with the same shared formulas: entries sorted by key and then
// stably by image, a vertex per distinct (image, key), neighbours by binary
// search on packed keys, gather splat in sorted order. It must have the same
// vertices and filter as the hash-built CPU lattice does, image by image, up
// to FMA contraction.
struct SortedLattice {
  int d = 0, points = 0, vertices = 0;
  std::vector<int> splat_start, entries_sorted, offset, neighbours;
  std::vector<float> weights;

  SortedLattice(const std::vector<std::vector<float>>& features, int dim) : d(dim) {
    struct Entry {
      std::uint32_t image;
      std::uint64_t key;
      int entry;
    };
    std::vector<Entry> entries;
    std::vector<float> scale(static_cast<std::size_t>(d));
    lattice::blur_scales(d, scale.data());
    for (std::size_t b = 0; b < features.size(); ++b)
      for (std::size_t i = 0; i < features[b].size() / d; ++i, ++points) {
        std::vector<std::int16_t> keys(static_cast<std::size_t>((d + 1) * d));
        std::vector<float> w(static_cast<std::size_t>(d + 1));
        REQUIRE(lattice::locate_simplex<5>(d, &features[b][i * d], scale.data(), keys.data(), w.data()));
        for (int r = 0; r <= d; ++r) {
          std::uint64_t packed = 0;
          REQUIRE(lattice::pack_key(d, &keys[static_cast<std::size_t>(r * d)], packed));
          entries.push_back({static_cast<std::uint32_t>(b), packed, points * (d + 1) + r});
          weights.push_back(w[static_cast<std::size_t>(r)]);
        }
      }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.image < b.image; });
    std::vector<std::uint64_t> vertex_keys;
    std::vector<std::uint32_t> vertex_images;
    offset.resize(entries.size());
    for (std::size_t t = 0; t < entries.size(); ++t) {
      if (t == 0 || entries[t].key != entries[t - 1].key || entries[t].image != entries[t - 1].image) {
        vertex_keys.push_back(entries[t].key);
        vertex_images.push_back(entries[t].image);
        splat_start.push_back(static_cast<int>(t));
      }
      entries_sorted.push_back(entries[t].entry);
      offset[static_cast<std::size_t>(entries[t].entry)] = static_cast<int>(vertex_keys.size()) - 1;
    }
    vertices = static_cast<int>(vertex_keys.size());
    splat_start.push_back(static_cast<int>(entries.size()));
    neighbours.assign(static_cast<std::size_t>(2 * (d + 1) * vertices), -1);
    const auto find = [&](std::uint32_t image, std::uint64_t key) {
      // Vertices are sorted by (image, key); search within the image's range.
      const auto first = std::lower_bound(vertex_images.begin(), vertex_images.end(), image) - vertex_images.begin();
      const auto last = std::upper_bound(vertex_images.begin(), vertex_images.end(), image) - vertex_images.begin();
      const auto hit = std::lower_bound(vertex_keys.begin() + first, vertex_keys.begin() + last, key);
      return hit != vertex_keys.begin() + last && *hit == key ? static_cast<int>(hit - vertex_keys.begin()) : -1;
    };
    for (int v = 0; v < vertices; ++v)
      for (int j = 0; j <= d; ++j) {
        std::int16_t key[5], low[5], high[5];
        lattice::unpack_key(d, vertex_keys[static_cast<std::size_t>(v)], key);
        lattice::neighbour_keys(d, j, key, low, high);
        std::uint64_t packed = 0;
        if (lattice::pack_key(d, low, packed)) neighbours[static_cast<std::size_t>(2 * j * vertices + v)] = find(vertex_images[v], packed);
        if (lattice::pack_key(d, high, packed)) neighbours[static_cast<std::size_t>((2 * j + 1) * vertices + v)] = find(vertex_images[v], packed);
      }
  }

  std::vector<float> filter(const std::vector<float>& in, int vs) const {
    std::vector<float> values((static_cast<std::size_t>(vertices) + 1) * vs, 0.0f), blurred(values.size(), 0.0f);
    for (int v = 0; v < vertices; ++v)
      for (int k = 0; k < vs; ++k) {
        float acc = 0.0f;
        for (int t = splat_start[v]; t < splat_start[v + 1]; ++t) {
          const int e = entries_sorted[static_cast<std::size_t>(t)];
          acc += weights[static_cast<std::size_t>(e)] * in[static_cast<std::size_t>(e / (d + 1) * vs + k)];
        }
        values[(static_cast<std::size_t>(v) + 1) * vs + k] = acc;
      }
    for (int j = 0; j <= d; ++j) {
      for (int v = 0; v < vertices; ++v)
        for (int k = 0; k < vs; ++k) {
          const int a = neighbours[static_cast<std::size_t>(2 * j * vertices + v)] + 1;
          const int b = neighbours[static_cast<std::size_t>((2 * j + 1) * vertices + v)] + 1;
          blurred[(static_cast<std::size_t>(v) + 1) * vs + k] =
              values[(static_cast<std::size_t>(v) + 1) * vs + k] + 0.5f * (values[static_cast<std::size_t>(a) * vs + k] + values[static_cast<std::size_t>(b) * vs + k]);
        }
      std::swap(values, blurred);
    }
    const float alpha = 1.0f / (1.0f + std::pow(2.0f, -static_cast<float>(d)));
    std::vector<float> out(static_cast<std::size_t>(points) * vs, 0.0f);
    for (int p = 0; p < points; ++p)
      for (int k = 0; k < vs; ++k) {
        float o = 0.0f;
        for (int j = 0; j <= d; ++j) {
          const std::size_t e = static_cast<std::size_t>(p * (d + 1) + j);
          o += (weights[e] * alpha) * values[(static_cast<std::size_t>(offset[e]) + 1) * vs + k];
        }
        out[static_cast<std::size_t>(p) * vs + k] = o;
      }
    return out;
  }
};

// Bilateral features of an image as DenseCRF::add_bilateral computes them.
std::vector<float> bilateral_features(const Image& image, double sxy, double srgb) {
  std::vector<float> f;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      f.push_back(static_cast<float>(x / sxy));
      f.push_back(static_cast<float>(y / sxy));
      for (int c = 0; c < 3; ++c) f.push_back(static_cast<float>(image.at(x, y)[c] / srgb));
    }
  return f;
}

}  // namespace

TEST_CASE("the GPU's sort-built lattice filters as the hash-built one, image by image", "[crf]") {
  Generator gen(13);
  const std::vector<Image> images{two_regions(23, 17, gen, 60), two_regions(40, 31, gen, 30), two_regions(1, 1, gen)};
  std::vector<std::vector<float>> features;
  for (const Image& image : images) features.push_back(bilateral_features(image, 5, 13));
  const SortedLattice sorted(features, 5);
  int total = 0;
  for (const Image& image : images) total += image.width * image.height;
  std::vector<float> in(static_cast<std::size_t>(total) * 3);
  for (float& v : in) v = static_cast<float>(gen.uniform());
  const std::vector<float> batched = sorted.filter(in, 3);
  int first = 0, vertices = 0;
  for (std::size_t b = 0; b < images.size(); ++b) {
    const int n = images[b].width * images[b].height;
    const PermutohedralLattice lattice(features[b], n, 5);
    std::vector<float> out(static_cast<std::size_t>(n) * 3);
    PermutohedralLattice::Scratch scratch;
    lattice.filter(&in[static_cast<std::size_t>(first) * 3], out.data(), 3, scratch);
    double worst = 0, largest = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::abs(out[i] - batched[static_cast<std::size_t>(first) * 3 + i])));
      largest = std::max(largest, static_cast<double>(std::abs(out[i])));
    }
    INFO("image " << b << ": largest difference " << worst << " of values up to " << largest);
    // Same sums in the same order; only the compilers' FMA contraction differs.
    CHECK(worst <= 1e-6 * largest);
    vertices += lattice.vertices();
    first += n;
  }
  CHECK(sorted.vertices == vertices);
}
