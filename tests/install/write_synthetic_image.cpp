// Writes one image of the synthetic dataset as PNG, for the install test.
#include <cstdio>

#include "c2am/c2am.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.png\n", argv[0]);
    return 2;
  }
  c2am::SyntheticConfig config;
  config.count = 1;
  config.seed = 3;
  c2am::write_png(argv[1], c2am::make_synthetic(config)->load_image(0));
  return 0;
}
