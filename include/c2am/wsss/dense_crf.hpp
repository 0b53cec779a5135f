#pragma once
// Fully connected CRF over the pixels of an image (Krähenbühl & Koltun 2011)
// with mean-field inference, Potts compatibility, Gaussian kernels over
// positions and bilateral kernels over positions and RGB, symmetric kernel
// normalization — the model pydensecrf implements, filtered with a
// permutohedral lattice (Adams et al. 2010) or, for checking, exactly.

#include <cstdint>
#include <vector>

#include "c2am/core/device.hpp"
#include "c2am/data/image.hpp"

namespace c2am::wsss {

// Unary energies, label-major (labels × pixels): from hard labels,
// −log(gt_prob) for the given label and −log((1 − gt_prob)/(labels − 1))
// for the others (pydensecrf's unary_from_labels, zero_unsure = false); from
// probabilities (labels × pixels), −log(clip(p, 1e-5, 1)).
std::vector<float> unary_from_labels(const std::vector<std::uint8_t>& labels, int label_count, double gt_prob);
std::vector<float> unary_from_probabilities(const std::vector<float>& probabilities);
// pydensecrf.utils.unary_from_labels in full. With zero_unsure, 0 means
// "unknown": those pixels get −log(1 / label_count) for every label, and
// labels 1 … label_count fill rows 0 … label_count − 1 (label_count does not
// count the 0). Energies in float64, stored as float32. Throws c2am::Error
// unless 0 < gt_prob < 1 and 2 ≤ label_count ≤ 255, or naming the pixel of
// a label out of range.
std::vector<float> unary_from_labels(const std::vector<std::uint8_t>& labels, int label_count, double gt_prob,
                                     bool zero_unsure);
// pydensecrf.utils.unary_from_softmax: `probabilities` classes × pixels;
// with scale (0 < scale ≤ 1) first mixed with the uniform distribution,
// scale·p + (1 − scale)/classes; then clipped to [clip, 1] when clip ≥ 0 (a
// negative clip: none); then
// −log, in float64, stored as float32 (pydensecrf computes in its input's
// precision: float32 inputs may differ in the last bit). Throws c2am::Error
// on a bad scale, a size that is no multiple of `classes`, or NaN.
std::vector<float> unary_from_softmax(const std::vector<double>& probabilities, int classes, double scale,
                                      double clip);

class DenseCRF {
 public:
  enum class Filtering { Lattice, Exact };  // Exact is O(N²): small images only

  DenseCRF(int width, int height, int labels);

  // Unary energies, label-major (labels × pixels).
  void set_unary(std::vector<float> energy);
  // set_unary(unary_from_labels(labels, this->labels(), gt_prob)).
  void set_unary_from_labels(const std::vector<std::uint8_t>& labels, double gt_prob);
  // set_unary(unary_from_probabilities(probabilities)).
  void set_unary_from_probabilities(const std::vector<float>& probabilities);

  // Potts kernels: Gaussian over positions / sxy, and bilateral over
  // positions / sxy and RGB / srgb, each with its weight.
  void add_gaussian(double sxy, double weight);
  void add_bilateral(double sxy, double srgb, const Image& image, double weight);

  // Q after `iterations` mean-field updates Q ← softmax(−U + Σ_k w_k·filter_k(Q)),
  // label-major (labels × pixels).
  std::vector<float> inference(int iterations, Filtering filtering = Filtering::Lattice) const;
  // The most probable label of each pixel (ties: the lower label).
  static std::vector<std::uint8_t> labels_of(const std::vector<float>& q, int labels);

  int width() const { return width_; }
  int height() const { return height_; }
  int labels() const { return labels_; }

 private:
  struct Kernel {
    std::vector<float> features;  // pixels × dim, already divided by the kernel's scales
    int dim = 0;
    double weight = 0;
  };
  int width_, height_, labels_;
  std::vector<float> unary_;  // pixel-major (pixels × labels)
  std::vector<Kernel> kernels_;
};

// The pair of Potts kernels of the release's background cues: a Gaussian over
// positions and a bilateral over positions and RGB.
struct PairwiseKernels {
  double gaussian_sxy = 3, gaussian_weight = 3;
  double bilateral_sxy = 50, bilateral_srgb = 5, bilateral_weight = 10;
};

// One image of a batch and its unary energies (labels × pixels).
struct CrfProblem {
  const Image* image = nullptr;
  std::vector<float> unary;
};

// Q (labels × pixels) of every problem after `iterations` mean-field
// updates with `kernels`, all problems with `labels` labels, images of any
// sizes. On the CPU: one DenseCRF per image, images spread over threads. On a
// GPU (Device::cuda()): all images in one batched lattice per kernel, built
// once and reused for every iteration; results agree with the CPU within
// float rounding (docs/wsss.md) and are the same bits run to run.
std::vector<std::vector<float>> dense_crf_batch(const std::vector<CrfProblem>& problems, int labels,
                                                const PairwiseKernels& kernels, int iterations,
                                                Device device = Device::cpu());

}  // namespace c2am::wsss
