#pragma once
// WSSS pieces (SPEC §5) that need no CRF: multi-scale activation maps,
// thresholded background cues and the confusion-matrix mIoU.

#include <array>
#include <cstdint>
#include <vector>

#include "c2am/data/image.hpp"
#include "c2am/model.hpp"

namespace c2am::wsss {

struct MultiScaleOptions {
  std::vector<double> scales{0.5, 1.0, 1.5, 2.0};  // of the original image size
  bool flipped = false;                             // orientation flag of the training run
};

// The release's multi-scale map: per scale, the image (bicubic resize) and
// its horizontal flip through the model in inference mode (raw head output),
// orientation applied (1 − x), ReLU, the flipped map flipped back and added;
// every scale upsampled to the image (bilinear) and summed; divided by
// (max + 1e-5). Row-major H×W in [0, 1). The model is put in eval mode.
std::vector<float> multiscale_map(Model& model, const Image& image, const MultiScaleOptions& options = {});

// Foreground (1) where map > threshold, else background (0): the cue before
// the CRF refines it.
std::vector<std::uint8_t> threshold_cue(const std::vector<float>& map, double threshold = 0.3);

// Confusion matrix over `classes` labels; ground-truth pixels equal to
// `ignore` (255) are skipped. IoU_c = TP / (T + P − TP) over the whole split.
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int classes = 21, int ignore = 255);
  // prediction and truth: label per pixel, same size. Predicted labels
  // outside [0, classes) are an error; ground truth outside is an error
  // unless it is the ignore label.
  void add(const std::vector<std::uint8_t>& prediction, const std::vector<std::uint8_t>& truth);
  int classes() const { return classes_; }
  std::int64_t at(int truth, int prediction) const { return counts_[static_cast<std::size_t>(truth * classes_ + prediction)]; }
  // Per-class IoU; classes absent from both prediction and truth get NaN
  // and are left out of the mean.
  std::vector<double> iou() const;
  double mean_iou() const;

 private:
  int classes_, ignore_;
  std::vector<std::int64_t> counts_;
};

}  // namespace c2am::wsss
