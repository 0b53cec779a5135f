#include "wsol/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "io/atomic_file.hpp"

namespace c2am::wsol {

namespace {

std::string base64(const std::vector<std::uint8_t>& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = (bytes[i] << 16) | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0) |
                            (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += table[(n >> 18) & 63];
    out += table[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? table[n & 63] : '=';
  }
  return out;
}

std::string fixed(double v, int digits = 3) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}

struct Series {
  std::string name, colour;
  std::vector<std::pair<double, double>> points;
};

// A line chart: axes with their ranges, one polyline per series, a legend;
// `marker` (when finite) draws a dashed vertical line at that x, labelled.
std::string svg_chart(const std::string& x_label, const std::string& y_label, const std::vector<Series>& series,
                      double marker = std::nan(""), const std::string& marker_label = "") {
  constexpr double W = 520, H = 260, L = 56, R = 130, T = 14, B = 40;
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  const auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
  const auto py = [&](double y) { return T + (1 - (y - y0) / (y1 - y0)) * (H - T - B); };
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H << "' font-size='11'>";
  svg << "<rect x='" << L << "' y='" << T << "' width='" << W - L - R << "' height='" << H - T - B
      << "' fill='#fafafa' stroke='#999'/>";
  svg << "<text x='" << L << "' y='" << H - 22 << "'>" << fixed(x0, 2) << "</text>";
  svg << "<text x='" << W - R << "' y='" << H - 22 << "' text-anchor='end'>" << fixed(x1, 2) << "</text>";
  svg << "<text x='" << (L + W - R) / 2 << "' y='" << H - 6 << "' text-anchor='middle'>" << x_label << "</text>";
  svg << "<text x='" << L - 4 << "' y='" << T + 10 << "' text-anchor='end'>" << fixed(y1) << "</text>";
  svg << "<text x='" << L - 4 << "' y='" << H - B << "' text-anchor='end'>" << fixed(y0) << "</text>";
  svg << "<text x='12' y='" << (T + H - B) / 2 << "' transform='rotate(-90 12 " << (T + H - B) / 2
      << ")' text-anchor='middle'>" << y_label << "</text>";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    svg << "<polyline fill='none' stroke='" << s.colour << "' stroke-width='1.5' points='";
    for (const auto& [x, y] : s.points) svg << fixed(px(x), 1) << "," << fixed(py(y), 1) << " ";
    svg << "'/>";
    svg << "<line x1='" << W - R + 10 << "' x2='" << W - R + 28 << "' y1='" << T + 10 + 16 * i << "' y2='"
        << T + 10 + 16 * i << "' stroke='" << s.colour << "' stroke-width='2'/>";
    svg << "<text x='" << W - R + 32 << "' y='" << T + 14 + 16 * i << "'>" << s.name << "</text>";
  }
  if (std::isfinite(marker)) {
    svg << "<line x1='" << fixed(px(marker), 1) << "' x2='" << fixed(px(marker), 1) << "' y1='" << T << "' y2='"
        << H - B << "' stroke='#555' stroke-dasharray='4 3'/>";
    svg << "<text x='" << fixed(px(marker) + 3, 1) << "' y='" << T + 12 << "'>" << marker_label << "</text>";
  }
  svg << "</svg>";
  return svg.str();
}

}  // namespace

void write_report(const std::string& path, const nlohmann::json& m, const std::string& log_path,
                  const std::vector<ReportImage>& pictures, const std::vector<ReportImage>& worst) {
  std::vector<Series> losses = {{"total", "#222", {}}, {"SimMax(bg)", "#1f77b4", {}}, {"SimMin(bg, fg)", "#d62728", {}},
                                {"SimMax(fg)", "#2ca02c", {}}};
  std::ifstream log(log_path);
  for (std::string line; std::getline(log, line);) {
    const auto entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_discarded()) continue;
    const double step = entry.value("step", 0.0);
    losses[0].points.emplace_back(step, entry.value("loss", 0.0));
    losses[1].points.emplace_back(step, entry.value("bg_bg", 0.0));
    losses[2].points.emplace_back(step, entry.value("bg_fg", 0.0));
    losses[3].points.emplace_back(step, entry.value("fg_fg", 0.0));
  }
  std::vector<Series> sweep = {{"validation", "#1f77b4", {}}, {"test", "#d62728", {}}};
  for (const auto& row : m.at("validation_sweep")) sweep[0].points.emplace_back(row.at("threshold"), row.at("gt_known_loc"));
  for (const auto& row : m.at("test_sweep")) sweep[1].points.emplace_back(row.at("threshold"), row.at("gt_known_loc"));

  const auto pct = [](double v) { return fixed(100 * v, 1) + " %"; };
  std::ostringstream html;
  html << "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>c2am demo report</title><style>"
          "body{font-family:sans-serif;max-width:1100px;margin:24px auto;color:#222}"
          "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 10px;text-align:right}"
          "th:first-child,td:first-child{text-align:left}.grid{display:flex;flex-wrap:wrap;gap:8px}"
          "figure{margin:0}figcaption{font-size:12px;text-align:center}.ours{font-weight:bold}"
          "</style></head><body>";
  html << "<h1>c2am demo: class-agnostic localization on synthetic data</h1>";
  html << "<p>A tiny ResNet-18-shaped network (pretrained as a shape classifier on the training split, then trained "
          "with the C²AM contrastive loss without labels) predicts one foreground map per image. The box "
          "threshold was chosen on the <b>"
       << m.at("threshold_chosen_on").get<std::string>() << "</b> split (" << fixed(m.at("threshold"), 2)
       << "); the metrics below are on the held-out <b>test</b> split of " << m.at("images").at("test")
       << " images.</p>";
  html << "<p>Metrics follow the <b>" << m.at("protocol").get<std::string>()
       << "</b> protocol: maps upsampled bicubically to the image and min-max normalized, boxes from OpenCV's "
          "contour rules, IoU with inclusive pixel areas (see docs/wsol.md).</p>";
  html << "<table><tr><th>method</th><th>GT-known Loc</th><th>MaxBoxAccV2</th></tr>";
  html << "<tr class='ours'><td>C²AM (this run)</td><td>" << pct(m.at("gt_known_loc")) << "</td><td>"
       << pct(m.at("max_box_acc_v2")) << "</td></tr>";
  html << "<tr><td>full-image box</td><td>" << pct(m.at("baseline_full_image").at("gt_known_loc")) << "</td><td>"
       << pct(m.at("baseline_full_image").at("max_box_acc_v2")) << "</td></tr>";
  html << "<tr><td>centred box of mean ground-truth size</td><td>" << pct(m.at("baseline_center").at("gt_known_loc"))
       << "</td><td>" << pct(m.at("baseline_center").at("max_box_acc_v2")) << "</td></tr></table>";
  const auto& acc = m.at("max_box_acc");
  html << "<p>MaxBoxAcc of C²AM by IoU threshold δ (multi-box, best box threshold per δ):</p><table><tr><th>δ</th>"
          "<th>0.3</th><th>0.5</th><th>0.7</th></tr><tr><td>MaxBoxAcc</td><td>"
       << pct(acc.at("0.3")) << "</td><td>" << pct(acc.at("0.5")) << "</td><td>" << pct(acc.at("0.7"))
       << "</td></tr></table>";
  html << "<p><b>Read MaxBoxAcc at δ = 0.7 with care at this resolution.</b> The demo's maps have an output stride "
          "of 8 (12×12 cells for 96-pixel images). A ResNet's output cell i sees the input centred on pixel 8·i, "
          "but maps are placed on the image as wsolevaluation and the release place them (cell i covers pixels "
          "8·i … 8·i + 7, centre 8·i + 3.5), so boxes sit about half a cell (3.5 px) right of and below the "
          "objects: on 96-pixel images that decides most IoU ≥ 0.7 outcomes. At the default transform (448-pixel "
          "crops) the same shift is under 1 % of the image (docs/wsol.md).</p>";
  html << "<p>Run time: " << fixed(m.at("seconds").at("total"), 0) << " s (backbone pretraining "
       << fixed(m.at("seconds").at("pretraining"), 0) << " s, C²AM training " << fixed(m.at("seconds").at("training"), 0)
       << " s). Map " << (m.at("map_flipped").get<bool>() ? "flipped" : "not flipped")
       << " by the orientation check.</p>";
  if (m.contains("second_stage")) {
    const auto& s2 = m.at("second_stage");
    const auto row = [&](const char* name, const nlohmann::json& v, bool ours) {
      html << "<tr" << (ours ? " class='ours'" : "") << "><td>" << name << "</td><td>" << pct(v.at("gt_known_loc"))
           << "</td><td>" << pct(v.at("top1_loc")) << "</td><td>" << pct(v.at("top5_loc")) << "</td></tr>";
    };
    html << "<h2>Second stage</h2><p>As the release's PSOL stage: pseudo boxes of the training split at the chosen "
            "threshold train a box regressor, and a classifier gives the class (both started from the pretrained "
            "backbone, " << s2.at("epochs") << " epochs each, " << fixed(s2.at("seconds"), 0)
         << " s). Scored on the test split in the release's frame: " << s2.at("frame").get<std::string>()
         << ". The map's boxes are scored in the same frame for comparison.</p>";
    html << "<table><tr><th>boxes</th><th>GT-known Loc</th><th>Top-1 Loc</th><th>Top-5 Loc</th></tr>";
    row("box regressor (second stage)", s2.at("regressor"), true);
    row("C²AM map at the chosen threshold", s2.at("map_boxes"), false);
    html << "</table><p>Classifier: Top-1 " << pct(s2.at("top1_cls")) << ", Top-5 " << pct(s2.at("top5_cls"))
         << ".</p>";
  }
  html << "<h2>Training loss</h2>" << svg_chart("step", "loss", losses);
  html << "<h2>GT-known Loc by threshold</h2>"
       << svg_chart("threshold", "GT-known Loc", sweep, m.at("threshold").get<double>(), "chosen on validation");
  const auto grid = [&](const std::vector<ReportImage>& group) {
    html << "<div class='grid'>";
    for (const auto& p : group) {
      html << "<figure><img width='" << p.picture.width << "' height='" << p.picture.height
           << "' alt='test image' src='data:image/png;base64," << base64(encode_png(p.picture))
           << "'><figcaption>IoU " << fixed(p.iou, 2) << "</figcaption></figure>";
    }
    html << "</div>";
  };
  html << "<h2>Test images</h2><p>Heatmap of the map; <span style='color:#28dc28'>green</span>: ground truth, "
          "<span style='color:#e61e1e'>red</span>: predicted box at the chosen threshold"
       << (m.contains("second_stage") ? ", <span style='color:#285af0'>blue</span>: the box regressor's box" : "")
       << ". The first images of the split:</p>";
  grid(pictures);
  if (!worst.empty()) {
    html << "<h2>The worst test images</h2><p>Lowest IoU between the predicted box and the ground truth:</p>";
    grid(worst);
  }
  html << "</body></html>\n";
  io::write_text_atomically(path, html.str());
}

}  // namespace c2am::wsol
