#pragma once
// Inputs shared by the CPU and GPU dense-CRF tests: the pydensecrf2 fixtures
// (tests/data/crf/, written by tools/make_crf_fixtures.py) and a generated
// two-colour scene with noise.

#include <map>
#include <string>
#include <vector>

#include "c2am/c2am.hpp"

namespace c2am::testing {

struct CrfFixture {
  Image image;
  int labels = 0;
  std::vector<float> unary;           // labels × pixels
  wsss::PairwiseKernels kernels;      // as pydensecrf2 ran them
  std::map<int, std::vector<float>> q;  // pydensecrf2's Q after 1 and 10 iterations
};
// "cues_36x48" or "softmax_30x40".
CrfFixture load_crf_fixture(const std::string& name);

// Left half dark red, right half light blue, each channel ± noise/2.
Image two_regions(int w, int h, Generator& gen, int noise = 20);

}  // namespace c2am::testing
