#include "c2am/wsss/report.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace c2am::wsss {

namespace {

std::string name_of(const std::vector<std::string>& names, int k) {
  return k < static_cast<int>(names.size()) ? names[static_cast<std::size_t>(k)] : "class " + std::to_string(k);
}

std::int64_t truth_pixels(const ConfusionMatrix& m, int k) { return m.truth_pixels(k); }

}  // namespace

std::string iou_table(const ConfusionMatrix& matrix, const std::vector<std::string>& names) {
  const std::vector<double> iou = matrix.iou();
  std::ostringstream out;
  char line[128];
  std::snprintf(line, sizeof line, "%-14s %8s %12s\n", "class", "IoU %", "GT pixels");
  out << line;
  for (int k = 0; k < matrix.classes(); ++k) {
    const double v = iou[static_cast<std::size_t>(k)];
    if (std::isnan(v))
      std::snprintf(line, sizeof line, "%-14s %8s %12lld\n", name_of(names, k).c_str(), "-",
                    static_cast<long long>(truth_pixels(matrix, k)));
    else
      std::snprintf(line, sizeof line, "%-14s %8.2f %12lld\n", name_of(names, k).c_str(), 100 * v,
                    static_cast<long long>(truth_pixels(matrix, k)));
    out << line;
  }
  std::snprintf(line, sizeof line, "%-14s %8.2f   (all %d classes, absent ones 0: the release's mean)\n", "mIoU",
                100 * matrix.mean_iou(MeanOver::all_classes), matrix.classes());
  out << line;
  std::snprintf(line, sizeof line, "%-14s %8.2f   (classes present in prediction or ground truth)\n", "mIoU present",
                100 * matrix.mean_iou(MeanOver::present_classes));
  out << line;
  return out.str();
}

std::string iou_json(const ConfusionMatrix& matrix, const std::vector<std::string>& names) {
  const std::vector<double> iou = matrix.iou();
  nlohmann::json classes = nlohmann::json::array();
  for (int k = 0; k < matrix.classes(); ++k) {
    const double v = iou[static_cast<std::size_t>(k)];
    classes.push_back({{"id", k},
                       {"name", name_of(names, k)},
                       {"iou", std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v)},
                       {"pixels", truth_pixels(matrix, k)}});
  }
  return nlohmann::json{{"miou", matrix.mean_iou(MeanOver::all_classes)},
                        {"miou_averaged_over", "all classes, absent ones counting 0 (the release's mean)"},
                        {"miou_present_classes", matrix.mean_iou(MeanOver::present_classes)},
                        {"classes", classes}}
      .dump(2);
}

}  // namespace c2am::wsss
