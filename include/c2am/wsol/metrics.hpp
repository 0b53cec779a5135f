#pragma once
// WSOL metrics (SPEC §4) under the two protocols of boxes.hpp: IoU,
// GT-known localization, Top-1/Top-5 localization, BoxAcc curves and
// MaxBoxAccV2, accumulated over a split.

#include <array>
#include <vector>

#include "c2am/wsol/boxes.hpp"

namespace c2am::wsol {

// Intersection over union of two boxes (pixels):
// - wsolevaluation: boxes of whole pixels, inclusive: areas (x1 − x0 + 1)·
//   (y1 − y0 + 1), the intersection likewise with negative sides as 0, the
//   quotient in float64; 0 when the union is not positive;
// - release: continuous boxes, areas (x1 − x0)·(y1 − y0), intersection sides
//   clamped at 0, inter / (area_a + area_b − inter) in float32 (NaN when
//   both boxes are empty).
double iou(const Box& a, const Box& b, Protocol protocol = Protocol::wsolevaluation);
// Best IoU over every (predicted, ground truth) pair.
double best_iou(const std::vector<Box>& predicted, const std::vector<Box>& ground_truth,
                Protocol protocol = Protocol::wsolevaluation);
// Whether an IoU counts at δ: wsolevaluation IoU ≥ δ; release IoU > δ, where
// a NaN IoU counts, as the release's torch.where chain counts it.
bool localized(double iou_value, double delta, Protocol protocol);

// (i + 1) / 20 for i = 0 … 18: the release's thresholds, computed as it
// computes them (7/20 and 7·0.05 differ in the last bit).
std::vector<double> release_thresholds();
// i · 0.01 for i = 0 … 99: wsolevaluation's (numpy.arange(0, 1, 0.01)).
std::vector<double> box_acc_thresholds();
// The protocol's threshold sweep: box_acc_thresholds() or release_thresholds().
std::vector<double> default_thresholds(Protocol protocol);
inline constexpr std::array<double, 3> kBoxAccIous{0.3, 0.5, 0.7};

// Accumulates images; every figure is a fraction in [0, 1].
//
// Ground truth: under wsolevaluation each coordinate is truncated toward
// zero (its loader reads integers) and the image counts when the best IoU
// over all its boxes passes; under the release only the image's first box
// is compared (the release's CUB loop has one box per image).
class Evaluator {
 public:
  // `thresholds`: the single-box sweep behind GT-known and Top-k Loc (empty:
  // the protocol's default). The multi-box curves always sweep
  // box_acc_thresholds().
  explicit Evaluator(std::vector<double> thresholds = {}, Protocol protocol = Protocol::wsolevaluation);

  // One image: its score map (values in [0, 1]; in the coordinates of `gt`
  // once box coordinates are multiplied by `box_scale`), its ground-truth
  // boxes, and optionally its class and a classifier's top-5 predictions
  // (best first) for Top-1/Top-5 Loc. The release scales boxes found on the
  // low-resolution map by crop / map width: `box_scale`, each coordinate
  // then rounded to float32 as the release stores it.
  template <typename T>
  void add(const BasicScoreMap<T>& map, const std::vector<Box>& gt, int label = -1,
           const std::vector<int>& top5 = {}, double box_scale = 1.0);

  Protocol protocol() const { return protocol_; }
  std::size_t images() const { return images_; }
  const std::vector<double>& thresholds() const { return thresholds_; }
  // Per threshold, single-box mode, δ = 0.5: the fraction of images located.
  std::vector<double> gt_known() const;
  std::vector<double> top1_loc() const;  // ... and the top-1 prediction right
  std::vector<double> top5_loc() const;  // ... and the label among the top 5
  // Per δ ∈ {0.3, 0.5, 0.7}, per threshold: single-box BoxAcc (the
  // `single_contour` results of wsolevaluation).
  std::array<std::vector<double>, 3> single_box_acc() const;
  // Per δ, per τ of box_acc_thresholds(): multi-box BoxAcc (`multi_contour`).
  std::array<std::vector<double>, 3> box_acc() const;
  // Per δ: the maximum over τ of box_acc(); MaxBoxAccV2 is their mean.
  std::array<double, 3> max_box_acc() const;
  double max_box_acc_v2() const;
  bool has_predictions() const { return predictions_ > 0; }

 private:
  std::vector<double> thresholds_;
  Protocol protocol_;
  std::vector<std::size_t> top1_, top5_;
  std::vector<std::array<std::size_t, 3>> single_;    // per threshold, per δ
  std::vector<std::array<std::size_t, 3>> box_acc_;   // per τ of box_acc_thresholds(), per δ
  std::size_t images_ = 0, predictions_ = 0;
};

// Index of the best value (the first of equal ones).
std::size_t best_index(const std::vector<double>& values);

}  // namespace c2am::wsol
