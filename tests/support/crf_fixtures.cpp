#include "support/crf_fixtures.hpp"

#include <algorithm>
#include <cstdio>

namespace c2am::testing {

CrfFixture load_crf_fixture(const std::string& name) {
  safetensors::Metadata metadata;
  std::map<std::string, Tensor> f;
  for (auto& [key, t] : safetensors::load(std::string(C2AM_TEST_DATA_DIR) + "/crf/" + name + ".safetensors", &metadata))
    f[key] = t;
  CrfFixture fixture;
  const Tensor& pixels = f.at("image");
  fixture.image = Image(static_cast<int>(pixels.size(1)), static_cast<int>(pixels.size(0)));
  const auto bytes = pixels.to_vector<std::uint8_t>();
  std::copy(bytes.begin(), bytes.end(), fixture.image.pixels.begin());
  fixture.labels = static_cast<int>(f.at("unary").size(0));
  fixture.unary = f.at("unary").to_vector<float>();
  wsss::PairwiseKernels& k = fixture.kernels;
  check(std::sscanf(metadata.at("gaussian").c_str(), "%lf,%lf", &k.gaussian_sxy, &k.gaussian_weight) == 2 &&
            std::sscanf(metadata.at("bilateral").c_str(), "%lf,%lf,%lf", &k.bilateral_sxy, &k.bilateral_srgb,
                        &k.bilateral_weight) == 3,
        "load_crf_fixture", name, ": unreadable kernel metadata");
  for (int iterations : {1, 10}) {
    std::string key = "q";  // (not "q" + …: GCC 12 warns falsely on that concatenation)
    key += std::to_string(iterations);
    fixture.q[iterations] = f.at(key).to_vector<float>();
  }
  return fixture;
}

Image two_regions(int w, int h, Generator& gen, int noise) {
  Image image(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const bool right = x >= w / 2;
      const int base[3] = {right ? 90 : 160, right ? 140 : 40, right ? 220 : 50};
      for (int ch = 0; ch < 3; ++ch)
        image.at(x, y)[ch] = static_cast<std::uint8_t>(
            std::clamp(base[ch] + static_cast<int>(gen.below(static_cast<std::uint64_t>(noise) + 1)) - noise / 2, 0, 255));
    }
  return image;
}

}  // namespace c2am::testing
