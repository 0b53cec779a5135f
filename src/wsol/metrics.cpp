#include "c2am/wsol/metrics.hpp"

#include <algorithm>
#include <exception>
#include <cmath>
#include <map>

#include "c2am/core/error.hpp"
#include "wsol/regions.hpp"

namespace c2am::wsol {

namespace {

// wsolevaluation's calculate_multiple_iou for one pair.
double iou_inclusive(const Box& a, const Box& b) {
  const double ix = std::max(0.0, std::min<double>(a.x1, b.x1) - std::max<double>(a.x0, b.x0) + 1);
  const double iy = std::max(0.0, std::min<double>(a.y1, b.y1) - std::max<double>(a.y0, b.y0) + 1);
  const double inter = ix * iy;
  const double area_a = (double(a.x1) - a.x0 + 1) * (double(a.y1) - a.y0 + 1);
  const double area_b = (double(b.x1) - b.x0 + 1) * (double(b.y1) - b.y0 + 1);
  const double uni = area_a + area_b - inter;
  return uni > 0 ? inter / uni : 0.0;
}

// The release's test loop (train_CCAM_CUB.py with utils.intersect), float32.
double iou_release(const Box& a, const Box& b) {
  const float ix = std::max(std::min(a.x1, b.x1) - std::max(a.x0, b.x0), 0.0f);
  const float iy = std::max(std::min(a.y1, b.y1) - std::max(a.y0, b.y0), 0.0f);
  const float inter = ix * iy;
  const float area_a = (a.x1 - a.x0) * (a.y1 - a.y0);
  const float area_b = (b.x1 - b.x0) * (b.y1 - b.y0);
  const float uni = area_a + area_b - inter;
  return static_cast<double>(inter / uni);
}

Box truncated(Box b) {
  b.x0 = std::trunc(b.x0), b.y0 = std::trunc(b.y0), b.x1 = std::trunc(b.x1), b.y1 = std::trunc(b.y1);
  return b;
}

std::vector<Box> scaled(const std::vector<Box>& boxes, double scale) {
  std::vector<Box> out;
  for (const Box& b : boxes) out.push_back(detail::scaled_box(b, scale));
  return out;
}

std::vector<double> fractions(const std::vector<std::size_t>& counts, std::size_t total) {
  std::vector<double> out;
  for (std::size_t c : counts) out.push_back(total ? static_cast<double>(c) / static_cast<double>(total) : 0.0);
  return out;
}

// Per δ, per threshold: the fraction of images counted.
std::array<std::vector<double>, 3> curves(const std::vector<std::array<std::size_t, 3>>& counts, std::size_t images) {
  std::array<std::vector<double>, 3> out;
  for (std::size_t d = 0; d < 3; ++d) {
    std::vector<std::size_t> column;
    for (const auto& c : counts) column.push_back(c[d]);
    out[d] = fractions(column, images);
  }
  return out;
}

}  // namespace

double iou(const Box& a, const Box& b, Protocol protocol) {
  return protocol == Protocol::release ? iou_release(a, b) : iou_inclusive(a, b);
}

double best_iou(const std::vector<Box>& predicted, const std::vector<Box>& ground_truth, Protocol protocol) {
  double best = 0;
  for (const Box& p : predicted)
    for (const Box& g : ground_truth) {
      const double v = iou(p, g, protocol);
      if (std::isnan(v) || v > best) best = v;  // a NaN (release, empty boxes) is kept: it counts there
      if (std::isnan(best)) return best;
    }
  return best;
}

bool localized(double iou_value, double delta, Protocol protocol) {
  return protocol == Protocol::release ? !(iou_value <= delta) : iou_value >= delta;
}

std::vector<double> release_thresholds() {
  std::vector<double> t;
  for (int i = 0; i < 19; ++i) t.push_back((i + 1) / 20.0);
  return t;
}

std::vector<double> box_acc_thresholds() {
  std::vector<double> t;
  for (int i = 0; i < 100; ++i) t.push_back(i * 0.01);
  return t;
}

std::vector<double> default_thresholds(Protocol protocol) {
  return protocol == Protocol::release ? release_thresholds() : box_acc_thresholds();
}

Evaluator::Evaluator(std::vector<double> thresholds, Protocol protocol)
    : thresholds_(thresholds.empty() ? default_thresholds(protocol) : std::move(thresholds)),
      protocol_(protocol),
      top1_(thresholds_.size()),
      top5_(thresholds_.size()),
      single_(thresholds_.size(), {0, 0, 0}),
      box_acc_(box_acc_thresholds().size(), {0, 0, 0}) {
  for (double t : thresholds_)
    check(std::isfinite(t) && t >= 0 && t <= 1, "wsol::Evaluator", "threshold ", t, " is outside [0, 1]");
}

template <typename T>
void Evaluator::add(const BasicScoreMap<T>& map, const std::vector<Box>& gt_in, int label,
                    const std::vector<int>& top5, double box_scale) {
  check(!gt_in.empty(), "wsol::Evaluator", "an image without ground-truth boxes cannot be evaluated");
  check(std::isfinite(box_scale) && box_scale > 0, "wsol::Evaluator", "box scale ", box_scale, " is not positive");
  std::vector<Box> gt;
  if (protocol_ == Protocol::release) {
    gt.push_back(gt_in.front());
  } else {
    for (const Box& b : gt_in) gt.push_back(truncated(b));
  }
  const bool predicted = !top5.empty();
  const bool top1_right = predicted && top5.front() == label;
  const auto top5_end = top5.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(top5.size(), 5));
  const bool top5_right = predicted && std::find(top5.begin(), top5_end, label) != top5_end;

  // One uint8 map, its borders once per distinct cut int(t · max), the
  // cuts traced in parallel (each is independent; the counting below stays
  // sequential, so the result does not depend on the thread count).
  const std::vector<std::uint8_t> gray = to_uint8(map, protocol_);
  const auto taus = box_acc_thresholds();
  const int highest = detail::gray_max(gray);
  std::map<int, std::size_t> slot_of_cut;
  std::vector<int> cuts;
  for (const std::vector<double>* sweep : std::array<const std::vector<double>*, 2>{&thresholds_, &taus})
    for (double t : *sweep) {
      const int cut = detail::threshold_cut(highest, t);
      if (slot_of_cut.emplace(cut, cuts.size()).second) cuts.push_back(cut);
    }
  std::vector<std::vector<Region>> regions(cuts.size());
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic)
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    try {
      regions[i] = detail::regions_above(gray, map.width, map.height, cuts[i]);
    } catch (...) {
#pragma omp critical
      failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  const auto regions_at = [&](double t) -> const std::vector<Region>& {
    return regions[slot_of_cut.at(detail::threshold_cut(highest, t))];
  };
  for (std::size_t i = 0; i < thresholds_.size(); ++i) {
    const double best = best_iou({detail::scaled_box(detail::largest_box(regions_at(thresholds_[i])), box_scale)}, gt, protocol_);
    for (std::size_t d = 0; d < kBoxAccIous.size(); ++d) single_[i][d] += localized(best, kBoxAccIous[d], protocol_);
    const bool located = localized(best, 0.5, protocol_);
    top1_[i] += located && top1_right;
    top5_[i] += located && top5_right;
  }
  for (std::size_t t = 0; t < taus.size(); ++t) {
    const double best = best_iou(scaled(detail::all_boxes(regions_at(taus[t])), box_scale), gt, protocol_);
    for (std::size_t d = 0; d < kBoxAccIous.size(); ++d) box_acc_[t][d] += localized(best, kBoxAccIous[d], protocol_);
  }
  ++images_;
  predictions_ += predicted;
}

template void Evaluator::add(const ScoreMap&, const std::vector<Box>&, int, const std::vector<int>&, double);
template void Evaluator::add(const ScoreMap64&, const std::vector<Box>&, int, const std::vector<int>&, double);

std::vector<double> Evaluator::gt_known() const { return single_box_acc()[1]; }
std::vector<double> Evaluator::top1_loc() const { return fractions(top1_, images_); }
std::vector<double> Evaluator::top5_loc() const { return fractions(top5_, images_); }

std::array<std::vector<double>, 3> Evaluator::single_box_acc() const { return curves(single_, images_); }
std::array<std::vector<double>, 3> Evaluator::box_acc() const { return curves(box_acc_, images_); }

std::array<double, 3> Evaluator::max_box_acc() const {
  std::array<double, 3> best{0, 0, 0};
  const auto per_delta = box_acc();
  for (std::size_t d = 0; d < 3; ++d)
    for (double v : per_delta[d]) best[d] = std::max(best[d], v);
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
