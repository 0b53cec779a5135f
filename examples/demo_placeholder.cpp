// Stand-in for `make demo` until the WSOL demo (synthetic data, training,
// boxes, report) exists. It reports what this build can do and fits a tiny
// convolution with the autograd layer, so the command does real work and
// shows the library is alive.

#include <cstdio>
#include <sstream>

#include "c2am/c2am.hpp"
#include "c2am/cuda/runtime.hpp"

using namespace c2am;

int main() try {
  std::printf("c2am demo placeholder: the end-to-end WSOL demo is not written yet.\n");
  std::printf("CUDA compiled in: %s; GPU usable: %s%s%s\n", cuda::compiled() ? "yes" : "no",
              cuda::available() ? "yes" : "no", cuda::available() ? "" : " -- ",
              cuda::available() ? "" : cuda::availability().reason.c_str());

  // Recover a 3x3 edge filter from its input/output pairs by gradient descent.
  Generator gen(7);
  const Tensor images = uniform({4, 1, 16, 16}, -1, 1, gen);
  const Tensor true_filter = from_vector<float>({-1, 0, 1, -2, 0, 2, -1, 0, 1}, {1, 1, 3, 3});
  Tensor target;
  {
    NoGradGuard no_grad;
    target = conv2d(images, true_filter, Tensor(), Conv2dParams::square(1, 1));
  }
  Tensor filter = zeros({1, 1, 3, 3}).set_requires_grad();
  const double learning_rate = 0.1;
  for (int step = 0; step <= 60; ++step) {
    const Tensor prediction = conv2d(images, filter, Tensor(), Conv2dParams::square(1, 1));
    const Tensor loss = mean(pow(prediction - target, 2.0));
    if (step % 10 == 0) std::printf("step %2d  loss %.6f\n", step, loss.item());
    filter.zero_grad();
    loss.backward();
    NoGradGuard no_grad;
    filter.copy_(filter - filter.grad() * learning_rate);
  }
  std::ostringstream learned;
  learned << filter.detach().reshape({3, 3});
  std::printf("learned filter (expected a Sobel x filter):\n%s\n\n", learned.str().c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "c2am demo: %s\n", e.what());
  return 1;
}
