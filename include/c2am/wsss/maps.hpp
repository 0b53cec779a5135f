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

// Which classes the mean IoU averages: all of them, a class absent from both
// prediction and ground truth counting 0 (the release's
// evaluate_using_background_cues.py, the default), or only the classes
// present in either.
enum class MeanOver { all_classes, present_classes };

// Confusion matrix over `classes` labels; ground-truth pixels equal to
// `ignore` (255) are skipped. IoU_c = TP / (T + P − TP + 1e-10) over the
// whole split, the release's formula (the 1e-10 moves the last digits only).
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int classes = 21, int ignore = 255);
  // prediction and truth: label per pixel, same size. Ground truth outside
  // [0, classes) is an error unless it is the ignore label; so is a
  // prediction, but a predicted ignore label counts for no class (its
  // ground-truth pixel still counts in T), as in the release's evaluation.
  void add(const std::vector<std::uint8_t>& prediction, const std::vector<std::uint8_t>& truth);
  int classes() const { return classes_; }
  // Pixels of ground truth `truth` predicted as `prediction` (< classes).
  std::int64_t at(int truth, int prediction) const {
    return counts_[static_cast<std::size_t>(truth * (classes_ + 1) + prediction)];
  }
  std::int64_t truth_pixels(int c) const;      // T_c
  std::int64_t predicted_pixels(int c) const;  // P_c
  // Per-class IoU; classes absent from both prediction and truth get NaN.
  std::vector<double> iou() const;
  // Mean IoU; `over` says what an absent class counts (see MeanOver).
  double mean_iou(MeanOver over = MeanOver::all_classes) const;

 private:
  int classes_, ignore_;
  std::vector<std::int64_t> counts_;
};

}  // namespace c2am::wsss
