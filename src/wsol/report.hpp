#pragma once
// The demo's self-contained HTML report: metrics table, loss curves and the
// threshold sweep as inline SVG, and test pictures embedded as PNG data.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "c2am/data/image.hpp"

namespace c2am::wsol {

struct ReportImage {
  Image picture;  // heatmap overlay with ground-truth and predicted boxes
  double iou = 0;
};

// `metrics` as written to metrics.json; `log_path` the training log.jsonl;
// `pictures` the first test images, `worst` those of lowest IoU.
void write_report(const std::string& path, const nlohmann::json& metrics, const std::string& log_path,
                  const std::vector<ReportImage>& pictures, const std::vector<ReportImage>& worst);

}  // namespace c2am::wsol
