#include "c2am/wsss/dense_crf.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "c2am/core/error.hpp"
#include "wsss/permutohedral.hpp"

namespace c2am::wsss {

namespace {

// Q ← softmax over labels of `energy` (pixel-major), per pixel.
// Per-pixel passes run on all threads above this many pixels.
constexpr std::int64_t kParallelPixels = 4096;

void softmax_into(const std::vector<float>& negative_energy, int labels, std::vector<float>& q) {
  q.resize(negative_energy.size());
  const std::int64_t pixels = static_cast<std::int64_t>(negative_energy.size()) / labels;
#pragma omp parallel for schedule(static) if (pixels >= kParallelPixels)
  for (std::int64_t p = 0; p < pixels; ++p) {
    const float* e = &negative_energy[p * labels];
    float* out = &q[p * labels];
    const float top = *std::max_element(e, e + labels);
    float total = 0;
    for (int l = 0; l < labels; ++l) total += out[l] = std::exp(e[l] - top);
    for (int l = 0; l < labels; ++l) out[l] /= total;
  }
}

// Gaussian filtering of `in` (pixels × labels) with symmetric normalization:
// out = D^{-1/2} K D^{-1/2} in, D = diag(K·1), K including the pixel itself.
class KernelFilter {
 public:
  KernelFilter(const std::vector<float>& features, int pixels, int dim, DenseCRF::Filtering filtering)
      : pixels_(pixels), dim_(dim), features_(features), exact_(filtering == DenseCRF::Filtering::Exact) {
    if (!exact_) lattice_ = std::make_unique<PermutohedralLattice>(features, pixels, dim);
    std::vector<float> ones(static_cast<std::size_t>(pixels), 1.0f), sums(static_cast<std::size_t>(pixels));
    raw(ones.data(), sums.data(), 1, scratch_);
    norm_.resize(sums.size());
    for (std::size_t i = 0; i < sums.size(); ++i) norm_[i] = 1.0f / std::sqrt(sums[i] + 1e-20f);
  }

  // energy += weight · D^{-1/2} K D^{-1/2} in (the normalization folded into
  // the lattice passes). Not thread-safe: it reuses this filter's buffers.
  void add_filtered(const std::vector<float>& in, std::vector<float>& energy, int labels, float weight) {
    if (!exact_) {
      lattice_->filter(in.data(), energy.data(), labels, scratch_, {norm_.data(), norm_.data(), true, weight});
      return;
    }
    std::vector<float> scaled(in.size()), out(in.size());
    for (int p = 0; p < pixels_; ++p)
      for (int l = 0; l < labels; ++l) scaled[static_cast<std::size_t>(p) * labels + l] = in[static_cast<std::size_t>(p) * labels + l] * norm_[p];
    raw(scaled.data(), out.data(), labels, scratch_);
    for (int p = 0; p < pixels_; ++p)
      for (int l = 0; l < labels; ++l) {
        const std::size_t i = static_cast<std::size_t>(p) * labels + l;
        energy[i] += weight * (out[i] * norm_[p]);
      }
  }

 private:
  void raw(const float* in, float* out, int value_size, PermutohedralLattice::Scratch& scratch) const {
    if (!exact_) {
      lattice_->filter(in, out, value_size, scratch);
      return;
    }
    // exp(−½‖f_i − f_j‖²) summed over every j, the pixel itself included.
#pragma omp parallel for schedule(static)
    for (int i = 0; i < pixels_; ++i) {
      std::vector<double> acc(static_cast<std::size_t>(value_size), 0.0);
      const float* fi = &features_[static_cast<std::size_t>(i) * dim_];
      for (int j = 0; j < pixels_; ++j) {
        const float* fj = &features_[static_cast<std::size_t>(j) * dim_];
        double d2 = 0;
        for (int k = 0; k < dim_; ++k) d2 += double(fi[k] - fj[k]) * double(fi[k] - fj[k]);
        const double w = std::exp(-0.5 * d2);
        for (int v = 0; v < value_size; ++v) acc[v] += w * in[static_cast<std::size_t>(j) * value_size + v];
      }
      for (int v = 0; v < value_size; ++v) out[static_cast<std::size_t>(i) * value_size + v] = static_cast<float>(acc[v]);
    }
  }

  int pixels_, dim_;
  const std::vector<float>& features_;
  bool exact_;
  std::unique_ptr<PermutohedralLattice> lattice_;
  std::vector<float> norm_;
  PermutohedralLattice::Scratch scratch_;
};

}  // namespace

DenseCRF::DenseCRF(int width, int height, int labels) : width_(width), height_(height), labels_(labels) {
  check(width >= 1 && height >= 1 && labels >= 2 && labels <= 255, "DenseCRF", "needs a non-empty image and 2 to 255 labels, got ",
        width, "x", height, " with ", labels, " labels");
}

void DenseCRF::set_unary(std::vector<float> energy) {
  const std::size_t pixels = static_cast<std::size_t>(width_) * height_;
  check(energy.size() == pixels * labels_, "DenseCRF", "unary of ", energy.size(), " values for ", labels_, " labels × ",
        pixels, " pixels");
  unary_.resize(energy.size());
  for (std::size_t p = 0; p < pixels; ++p)
    for (int l = 0; l < labels_; ++l) unary_[p * labels_ + l] = energy[l * pixels + p];
}

std::vector<float> unary_from_labels(const std::vector<std::uint8_t>& labels, int label_count, double gt_prob) {
  check(gt_prob > 0 && gt_prob < 1, "unary_from_labels", "gt_prob must be in (0, 1), got ", gt_prob);
  check(label_count >= 2 && label_count <= 255, "unary_from_labels", "needs 2 to 255 labels, got ", label_count);
  const std::size_t pixels = labels.size();
  const float positive = static_cast<float>(-std::log(gt_prob));
  const float negative = static_cast<float>(-std::log((1.0 - gt_prob) / (label_count - 1)));
  std::vector<float> energy(pixels * static_cast<std::size_t>(label_count), negative);
  for (std::size_t p = 0; p < pixels; ++p) {
    check(labels[p] < label_count, "unary_from_labels", "label ", int(labels[p]), " at pixel ", p,
          " is outside [0, ", label_count, ")");
    energy[labels[p] * pixels + p] = positive;
  }
  return energy;
}

std::vector<float> unary_from_labels(const std::vector<std::uint8_t>& labels, int label_count, double gt_prob,
                                     bool zero_unsure) {
  if (!zero_unsure) return unary_from_labels(labels, label_count, gt_prob);
  check(gt_prob > 0 && gt_prob < 1, "unary_from_labels", "gt_prob must be in (0, 1), got ", gt_prob);
  check(label_count >= 2 && label_count <= 255, "unary_from_labels", "needs 2 to 255 labels, got ", label_count);
  const std::size_t pixels = labels.size();
  const float positive = static_cast<float>(-std::log(gt_prob));
  const float negative = static_cast<float>(-std::log((1.0 - gt_prob) / (label_count - 1)));
  const float unsure = static_cast<float>(-std::log(1.0 / label_count));
  std::vector<float> energy(pixels * static_cast<std::size_t>(label_count), negative);
  for (std::size_t p = 0; p < pixels; ++p) {
    check(labels[p] <= label_count, "unary_from_labels", "label ", int(labels[p]), " at pixel ", p,
          " is outside [0, ", label_count, "] (zero_unsure: 0 is unknown, 1 … ", label_count, " the labels)");
    if (labels[p] == 0) {
      for (int l = 0; l < label_count; ++l) energy[static_cast<std::size_t>(l) * pixels + p] = unsure;
    } else {
      energy[(labels[p] - 1) * pixels + p] = positive;
    }
  }
  return energy;
}

std::vector<float> unary_from_softmax(const std::vector<double>& probabilities, int classes, double scale,
                                      double clip) {
  check(classes >= 1 && probabilities.size() % static_cast<std::size_t>(classes) == 0, "unary_from_softmax",
        probabilities.size(), " probabilities are not ", classes, " classes x pixels");
  check(scale > 0 && scale <= 1, "unary_from_softmax", "scale must be in (0, 1], got ", scale);
  std::vector<float> energy(probabilities.size());
  for (std::size_t i = 0; i < energy.size(); ++i) {
    double p = probabilities[i];
    check(!std::isnan(p), "unary_from_softmax", "probability ", i, " is NaN");
    if (scale != 1) p = scale * p + (1 - scale) * (1.0 / classes);
    if (clip >= 0) p = std::clamp(p, clip, 1.0);
    energy[i] = static_cast<float>(-std::log(p));
  }
  return energy;
}

std::vector<float> unary_from_probabilities(const std::vector<float>& probabilities) {
  std::vector<float> energy(probabilities.size());
  for (std::size_t i = 0; i < energy.size(); ++i) energy[i] = -std::log(std::clamp(probabilities[i], 1e-5f, 1.0f));
  return energy;
}

void DenseCRF::set_unary_from_labels(const std::vector<std::uint8_t>& labels, double gt_prob) {
  const std::size_t pixels = static_cast<std::size_t>(width_) * height_;
  check(labels.size() == pixels, "DenseCRF", labels.size(), " labels for ", pixels, " pixels");
  set_unary(unary_from_labels(labels, labels_, gt_prob));
}

void DenseCRF::set_unary_from_probabilities(const std::vector<float>& probabilities) {
  set_unary(unary_from_probabilities(probabilities));
}

void DenseCRF::add_gaussian(double sxy, double weight) {
  check(sxy > 0, "DenseCRF", "sxy must be positive, got ", sxy);
  Kernel k;
  k.dim = 2;
  k.weight = weight;
  k.features.resize(static_cast<std::size_t>(width_) * height_ * 2);
  for (int y = 0; y < height_; ++y)
    for (int x = 0; x < width_; ++x) {
      const std::size_t p = static_cast<std::size_t>(y) * width_ + x;
      k.features[p * 2] = static_cast<float>(x / sxy);
      k.features[p * 2 + 1] = static_cast<float>(y / sxy);
    }
  kernels_.push_back(std::move(k));
}

void DenseCRF::add_bilateral(double sxy, double srgb, const Image& image, double weight) {
  check(sxy > 0 && srgb > 0, "DenseCRF", "sxy and srgb must be positive, got ", sxy, " and ", srgb);
  check(image.width == width_ && image.height == height_, "DenseCRF", "image is ", image.width, "x", image.height,
        " but the CRF is ", width_, "x", height_);
  Kernel k;
  k.dim = 5;
  k.weight = weight;
  k.features.resize(static_cast<std::size_t>(width_) * height_ * 5);
  for (int y = 0; y < height_; ++y)
    for (int x = 0; x < width_; ++x) {
      const std::size_t p = static_cast<std::size_t>(y) * width_ + x;
      const std::uint8_t* c = image.at(x, y);
      float* f = &k.features[p * 5];
      f[0] = static_cast<float>(x / sxy);
      f[1] = static_cast<float>(y / sxy);
      for (int ch = 0; ch < 3; ++ch) f[2 + ch] = static_cast<float>(c[ch] / srgb);
    }
  kernels_.push_back(std::move(k));
}

std::vector<float> DenseCRF::inference(int iterations, Filtering filtering) const {
  check(!unary_.empty(), "DenseCRF", "inference before a unary was set");
  check(iterations >= 0, "DenseCRF", "iterations must be >= 0, got ", iterations);
  const int pixels = width_ * height_;
  std::vector<KernelFilter> filters;
  filters.reserve(kernels_.size());
  for (const Kernel& k : kernels_) filters.emplace_back(k.features, pixels, k.dim, filtering);
  std::vector<float> negative(unary_.size()), energy(unary_.size()), q;
  for (std::size_t i = 0; i < unary_.size(); ++i) negative[i] = -unary_[i];
  softmax_into(negative, labels_, q);
  for (int it = 0; it < iterations; ++it) {
    std::copy(negative.begin(), negative.end(), energy.begin());
    // Potts: each kernel rewards labels its neighbours share.
    for (std::size_t k = 0; k < filters.size(); ++k)
      filters[k].add_filtered(q, energy, labels_, static_cast<float>(kernels_[k].weight));
    softmax_into(energy, labels_, q);
  }
  std::vector<float> out(q.size());
  for (int p = 0; p < pixels; ++p)
    for (int l = 0; l < labels_; ++l) out[static_cast<std::size_t>(l) * pixels + p] = q[static_cast<std::size_t>(p) * labels_ + l];
  return out;
}

std::vector<std::uint8_t> DenseCRF::labels_of(const std::vector<float>& q, int labels) {
  const std::size_t pixels = q.size() / static_cast<std::size_t>(labels);
  std::vector<std::uint8_t> out(pixels, 0);
  for (std::size_t p = 0; p < pixels; ++p)
    for (int l = 1; l < labels; ++l)
      if (q[l * pixels + p] > q[out[p] * pixels + p]) out[p] = static_cast<std::uint8_t>(l);
  return out;
}

}  // namespace c2am::wsss
