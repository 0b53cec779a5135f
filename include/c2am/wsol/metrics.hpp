#pragma once
// WSOL metrics (SPEC §4): IoU, GT-known localization, Top-1/Top-5
// localization and MaxBoxAccV2, accumulated over a split.

#include <array>
#include <vector>

#include "c2am/wsol/boxes.hpp"

namespace c2am::wsol {

// Intersection over union with area = (x1 − x0)(y1 − y0); 0 when the union is empty.
double iou(const Box& a, const Box& b);
// Best IoU over every (predicted, ground truth) pair.
double best_iou(const std::vector<Box>& predicted, const std::vector<Box>& ground_truth);

// 0.05, 0.10, ..., 0.95: the release's box thresholds.
std::vector<double> release_thresholds();
// 0.00, 0.01, ..., 0.99: MaxBoxAccV2's thresholds.
std::vector<double> box_acc_thresholds();
inline constexpr std::array<double, 3> kBoxAccIous{0.3, 0.5, 0.7};

class Evaluator {
 public:
  explicit Evaluator(std::vector<double> thresholds = release_thresholds());

  // One image: its score map (in [0, 1], in the coordinates of `gt`), its
  // ground-truth boxes, and optionally its class and a classifier's top-5
  // predictions (best first) for Top-1/Top-5 Loc.
  void add(const ScoreMap& map, const std::vector<Box>& gt, int label = -1, const std::vector<int>& top5 = {});

  std::size_t images() const { return images_; }
  const std::vector<double>& thresholds() const { return thresholds_; }
  // Per threshold, single-box mode: fraction of images whose best IoU > 0.5.
  std::vector<double> gt_known() const;
  std::vector<double> top1_loc() const;  // ... and top-1 prediction correct
  std::vector<double> top5_loc() const;  // ... and label among the top 5
  // Per IoU threshold δ ∈ {0.3, 0.5, 0.7}: max over τ of the fraction of
  // images with best multi-box IoU ≥ δ.
  std::array<double, 3> max_box_acc() const;
  double max_box_acc_v2() const;  // their mean
  bool has_predictions() const { return predictions_ > 0; }

 private:
  std::vector<double> thresholds_;
  std::vector<std::size_t> gt_known_, top1_, top5_;
  std::vector<std::array<std::size_t, 3>> box_acc_;  // per τ of box_acc_thresholds()
  std::size_t images_ = 0, predictions_ = 0;
};

// Index of the best value (the first of equal ones).
std::size_t best_index(const std::vector<double>& values);

}  // namespace c2am::wsol
