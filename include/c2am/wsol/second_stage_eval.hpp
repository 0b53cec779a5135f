#pragma once
// Scoring the second WSOL stage as the C²AM release's inference_CUB.py and
// inference_ILSVRC.py do: each image resized to 256×256 (aspect ratio not
// kept) and centre-cropped to 224; the regressed box in that crop's pixels
// (box_crops.hpp); the ground truth scaled per axis and clipped to the crop;
// IoU without +1 (utils/IoU.py), correct when IoU > 0.5; on ImageNet the best
// IoU over the boxes of the image's class. Top-1 Loc also needs the
// classifier's first class right, Top-5 Loc the label among its five best;
// GT-known Loc is the box alone. Every metric is a mean over the images of
// each class, then over classes (the release's np.mean of per-class
// accuracies); the per-image means are reported beside them.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "c2am/data/dataset.hpp"
#include "c2am/nn/pooled_resnet.hpp"
#include "c2am/wsol/box_crops.hpp"

namespace c2am::wsol {

struct SecondStageEvalOptions {
  int resize = 256, crop = 224;  // the regressor's test transform
  // The classifier's test transform (resize×resize, centre crop). The
  // release's EfficientNet-B7 reads 685 → 600; a ResNet reads 256 → 224.
  int classifier_resize = 256, classifier_crop = 224;
  std::size_t batch_size = 32;
  Device device = Device::cpu();
  // Called after each batch with (done, total).
  std::function<void(std::size_t, std::size_t)> on_progress;
  // Set: an image that cannot be decoded is left out and reported here;
  // unset: the error stops the evaluation.
  std::function<void(std::size_t, const std::string&)> on_unreadable;
};

struct RegressedImage {
  std::size_t index = 0;               // in the dataset
  RegressionTarget xywh;               // the regressor's output, crop units
  Box64 box;                           // in pixels of the evaluation crop
  std::vector<Box64> ground_truth;     // in the same frame, clipped
  double iou = 0;                      // best over ground_truth
};

// The regressor's box for every image with ground-truth boxes. Throws
// c2am::Error when the dataset has no boxes (require_ground_truth_boxes).
std::vector<RegressedImage> regress_boxes(nn::BoxRegressor& regressor, const Dataset& dataset,
                                          const SecondStageEvalOptions& options = {});

// Boxes given in pixels of each original image (pseudo boxes of `wsol boxes`,
// another method's) moved into the same evaluation frame and scored against
// the ground truth, for a like-for-like comparison with the regressor's.
// `boxes[i]` belongs to sample i; images without a box (nullopt) score
// IoU 0 with box (0, 0, 0, 0). Throws like regress_boxes.
std::vector<RegressedImage> boxes_in_eval_frame(const Dataset& dataset, const std::vector<std::optional<Box>>& boxes,
                                                const SecondStageEvalOptions& options = {});

// The classifier's five best classes (best first; fewer when it has fewer
// classes) for the images at `indices` of `dataset`, in that order.
std::vector<std::vector<int>> classify_top5(nn::ResNetClassifier& classifier, const Dataset& dataset,
                                            const std::vector<std::size_t>& indices,
                                            const SecondStageEvalOptions& options = {});

struct LocalizationMetrics {
  std::size_t images = 0, classes = 0;
  // Class means (the release's numbers), fractions in [0, 1].
  double gt_known_loc = 0, top1_loc = 0, top5_loc = 0, top1_cls = 0, top5_cls = 0;
  // The same over images.
  double gt_known_loc_images = 0, top1_loc_images = 0, top5_loc_images = 0;
  bool has_classes = false;  // top-k values are set only with predictions
};

// `top5`: per image (same order), or empty for GT-known Loc alone. Labels
// come from the dataset; an image without a label is an error when
// predictions are given.
LocalizationMetrics score_localization(const std::vector<RegressedImage>& images, const Dataset& dataset,
                                       const std::vector<std::vector<int>>& top5 = {});

}  // namespace c2am::wsol
