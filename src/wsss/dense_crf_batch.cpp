// wsss::dense_crf_batch: checks, then one DenseCRF per image on CPU threads
// or the batched lattice on a GPU (src/cuda/dense_crf_ops.cpp).

#include "backend/cuda_ops.hpp"
#include "c2am/core/error.hpp"
#include "c2am/wsss/dense_crf.hpp"
#include "core/parallel.hpp"

namespace c2am::wsss {

std::vector<std::vector<float>> dense_crf_batch(const std::vector<CrfProblem>& problems, int labels,
                                                const PairwiseKernels& kernels, int iterations, Device device) {
  const char* op = "dense_crf_batch";
  check(labels >= 2 && labels <= 255, op, "needs 2 to 255 labels, got ", labels);
  check(iterations >= 0, op, "iterations must be >= 0, got ", iterations);
  check(kernels.gaussian_sxy > 0 && kernels.bilateral_sxy > 0 && kernels.bilateral_srgb > 0, op,
        "kernel widths must be positive");
  for (std::size_t i = 0; i < problems.size(); ++i) {
    const CrfProblem& p = problems[i];
    check(p.image && p.image->width >= 1 && p.image->height >= 1, op, "problem ", i, " has no image");
    const std::size_t pixels = static_cast<std::size_t>(p.image->width) * p.image->height;
    check(p.unary.size() == pixels * labels, op, "problem ", i, ": unary of ", p.unary.size(), " values for ", labels,
          " labels × ", pixels, " pixels");
  }
  if (problems.empty()) return {};
  if (device.is_cuda()) return cuda::ops::dense_crf_batch(problems, labels, kernels, iterations, device.index);

  std::vector<std::vector<float>> out(problems.size());
  // One image per thread; each CRF then runs on its thread alone.
  detail::parallel_for_each(0, problems.size(), [&](std::size_t i) {
    const Image& image = *problems[i].image;
    DenseCRF crf(image.width, image.height, labels);
    crf.set_unary(problems[i].unary);
    crf.add_gaussian(kernels.gaussian_sxy, kernels.gaussian_weight);
    crf.add_bilateral(kernels.bilateral_sxy, kernels.bilateral_srgb, image, kernels.bilateral_weight);
    out[i] = crf.inference(iterations);
  });
  return out;
}

}  // namespace c2am::wsss
