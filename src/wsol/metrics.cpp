#include "c2am/wsol/metrics.hpp"

#include <algorithm>

#include "c2am/core/error.hpp"

namespace c2am::wsol {

double iou(const Box& a, const Box& b) {
  const double ix = std::max(0.0, static_cast<double>(std::min(a.x1, b.x1)) - std::max(a.x0, b.x0));
  const double iy = std::max(0.0, static_cast<double>(std::min(a.y1, b.y1)) - std::max(a.y0, b.y0));
  const double inter = ix * iy;
  const double area_a = std::max(0.0, double(a.x1) - a.x0) * std::max(0.0, double(a.y1) - a.y0);
  const double area_b = std::max(0.0, double(b.x1) - b.x0) * std::max(0.0, double(b.y1) - b.y0);
  const double uni = area_a + area_b - inter;
  return uni > 0 ? inter / uni : 0.0;
}

double best_iou(const std::vector<Box>& predicted, const std::vector<Box>& ground_truth) {
  double best = 0;
  for (const Box& p : predicted)
    for (const Box& g : ground_truth) best = std::max(best, iou(p, g));
  return best;
}

std::vector<double> release_thresholds() {
  std::vector<double> t;
  for (int i = 1; i <= 19; ++i) t.push_back(i * 0.05);
  return t;
}

std::vector<double> box_acc_thresholds() {
  std::vector<double> t;
  for (int i = 0; i < 100; ++i) t.push_back(i * 0.01);
  return t;
}

Evaluator::Evaluator(std::vector<double> thresholds)
    : thresholds_(std::move(thresholds)),
      gt_known_(thresholds_.size()),
      top1_(thresholds_.size()),
      top5_(thresholds_.size()),
      box_acc_(box_acc_thresholds().size(), {0, 0, 0}) {
  check(!thresholds_.empty(), "wsol::Evaluator", "no thresholds");
}

void Evaluator::add(const ScoreMap& map, const std::vector<Box>& gt, int label, const std::vector<int>& top5) {
  check(!gt.empty(), "wsol::Evaluator", "an image without ground-truth boxes cannot be evaluated");
  const bool predicted = !top5.empty();
  const bool top1_right = predicted && top5.front() == label;
  const bool top5_right = predicted && std::find(top5.begin(), std::min(top5.end(), top5.begin() + 5), label) !=
                                           std::min(top5.end(), top5.begin() + 5);
  for (std::size_t i = 0; i < thresholds_.size(); ++i) {
    const bool located = best_iou({largest_region_box(map, thresholds_[i])}, gt) > 0.5;
    gt_known_[i] += located;
    top1_[i] += located && top1_right;
    top5_[i] += located && top5_right;
  }
  const auto taus = box_acc_thresholds();
  for (std::size_t t = 0; t < taus.size(); ++t) {
    const double best = best_iou(all_region_boxes(map, taus[t]), gt);
    for (std::size_t d = 0; d < kBoxAccIous.size(); ++d) box_acc_[t][d] += best >= kBoxAccIous[d];
  }
  ++images_;
  predictions_ += predicted;
}

namespace {
std::vector<double> fractions(const std::vector<std::size_t>& counts, std::size_t total) {
  std::vector<double> out;
  for (std::size_t c : counts) out.push_back(total ? static_cast<double>(c) / static_cast<double>(total) : 0.0);
  return out;
}
}  // namespace

std::vector<double> Evaluator::gt_known() const { return fractions(gt_known_, images_); }
std::vector<double> Evaluator::top1_loc() const { return fractions(top1_, images_); }
std::vector<double> Evaluator::top5_loc() const { return fractions(top5_, images_); }

std::array<double, 3> Evaluator::max_box_acc() const {
  std::array<double, 3> best{0, 0, 0};
  for (const auto& counts : box_acc_)
    for (std::size_t d = 0; d < 3; ++d)
      best[d] = std::max(best[d], images_ ? static_cast<double>(counts[d]) / static_cast<double>(images_) : 0.0);
  return best;
}

double Evaluator::max_box_acc_v2() const {
  const auto a = max_box_acc();
  return (a[0] + a[1] + a[2]) / 3.0;
}

std::size_t best_index(const std::vector<double>& values) {
  check(!values.empty(), "best_index", "no values");
  return static_cast<std::size_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

}  // namespace c2am::wsol
