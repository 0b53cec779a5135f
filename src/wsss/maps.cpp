#include "c2am/wsss/maps.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/data/transforms.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::wsss {

std::vector<float> multiscale_map(Model& model, const Image& image, const MultiScaleOptions& options) {
  check(!options.scales.empty(), "multiscale_map", "no scales");
  NoGradGuard no_grad;
  model.eval();
  const Device device = model.config().device;
  Tensor total = zeros({1, 1, image.height, image.width}, DType::Float32);
  for (double scale : options.scales) {
    check(scale > 0, "multiscale_map", "scales must be positive, got ", scale);
    const int w = std::max(1, static_cast<int>(std::lround(image.width * scale)));
    const int h = std::max(1, static_cast<int>(std::lround(image.height * scale)));
    const Image scaled = resize(image, w, h, Interpolation::Bicubic);
    // The image and its mirror in one batch.
    const Tensor batch = to_batch({scaled, hflip(scaled)}).to(device);
    Tensor raw = model.forward_raw_map(batch).to(Device::cpu());
    if (options.flipped) raw = 1.0 - raw;
    raw = relu(raw);
    const Tensor map = raw.narrow(0, 0, 1) + flip(raw.narrow(0, 1, 1), {3});
    total = total + resize_bilinear(map, image.height, image.width);
  }
  const double highest = max(total).item();
  return (total / (highest + 1e-5)).to_vector<float>();
}

std::vector<std::uint8_t> threshold_cue(const std::vector<float>& map, double threshold) {
  // Compared in float32, as NumPy compares a float32 map with a Python float.
  const float cut = static_cast<float>(threshold);
  std::vector<std::uint8_t> cue(map.size());
  for (std::size_t i = 0; i < map.size(); ++i) cue[i] = map[i] > cut ? 1 : 0;
  return cue;
}

ConfusionMatrix::ConfusionMatrix(int classes, int ignore)
    : classes_(classes), ignore_(ignore), counts_(static_cast<std::size_t>(classes) * (classes + 1), 0) {
  check(classes >= 1 && classes <= 255, "ConfusionMatrix", "classes must be in [1, 255], got ", classes);
}

void ConfusionMatrix::add(const std::vector<std::uint8_t>& prediction, const std::vector<std::uint8_t>& truth) {
  check(prediction.size() == truth.size(), "ConfusionMatrix", "prediction has ", prediction.size(),
        " pixels, ground truth ", truth.size());
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] == ignore_) continue;
    check(truth[i] < classes_, "ConfusionMatrix", "ground-truth label ", int(truth[i]), " at pixel ", i,
          " is outside [0, ", classes_, ")");
    const bool unpredicted = prediction[i] == ignore_;  // the extra column
    check(unpredicted || prediction[i] < classes_, "ConfusionMatrix", "predicted label ", int(prediction[i]),
          " at pixel ", i, " is outside [0, ", classes_, ") and is not the ignore label ", ignore_);
    ++counts_[static_cast<std::size_t>(truth[i] * (classes_ + 1) + (unpredicted ? classes_ : prediction[i]))];
  }
}

std::int64_t ConfusionMatrix::truth_pixels(int c) const {
  std::int64_t total = 0;
  for (int k = 0; k <= classes_; ++k) total += counts_[static_cast<std::size_t>(c * (classes_ + 1) + k)];
  return total;
}

std::int64_t ConfusionMatrix::predicted_pixels(int c) const {
  std::int64_t total = 0;
  for (int k = 0; k < classes_; ++k) total += at(k, c);
  return total;
}

std::vector<double> ConfusionMatrix::iou() const {
  std::vector<double> out(static_cast<std::size_t>(classes_));
  for (int c = 0; c < classes_; ++c) {
    const std::int64_t tp = at(c, c), uni = truth_pixels(c) + predicted_pixels(c) - tp;
    out[static_cast<std::size_t>(c)] = uni > 0 ? static_cast<double>(tp) / (static_cast<double>(uni) + 1e-10)
                                               : std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

double ConfusionMatrix::mean_iou(MeanOver over) const {
  double total = 0;
  int counted = 0;
  for (double v : iou()) {
    if (!std::isnan(v)) total += v, ++counted;
    else if (over == MeanOver::all_classes) ++counted;  // 0 / (0 + 1e-10) in the release
  }
  return counted ? total / counted : 0.0;
}

}  // namespace c2am::wsss
