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

// Ground-truth pixels of class k (the row of the matrix).
std::int64_t truth_pixels(const ConfusionMatrix& m, int k) {
  std::int64_t total = 0;
  for (int p = 0; p < m.classes(); ++p) total += m.at(k, p);
  return total;
}

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
  std::snprintf(line, sizeof line, "%-14s %8.2f\n", "mIoU", 100 * matrix.mean_iou());
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
  const double mean = matrix.mean_iou();
  return nlohmann::json{{"miou", std::isnan(mean) ? nlohmann::json(nullptr) : nlohmann::json(mean)},
                        {"classes", classes}}
      .dump(2);
}

}  // namespace c2am::wsss
