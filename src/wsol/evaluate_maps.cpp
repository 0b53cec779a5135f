// Scoring maps computed elsewhere against a dataset's boxes (the job of
// wsolevaluation's BoxEvaluator, or of the release's test loop).

#include <cmath>

#include "c2am/core/error.hpp"
#include "c2am/wsol/evaluate.hpp"
#include "wsol/regions.hpp"
#include "wsol/warn.hpp"

namespace c2am::wsol {

ScoreMap64 wsolevaluation_map(const ScoreMap64& map, int width, int height, int input_size) {
  if (input_size > 0) width = height = input_size;
  ScoreMap64 upsampled = resize_bicubic(map, width, height);
  detail::normalize_min_max_in_place(upsampled);
  return upsampled;
}

std::vector<Box> wsolevaluation_boxes(const std::vector<Box>& boxes, int width, int height, int input_size) {
  std::vector<Box> out;
  for (const Box& b : boxes) {
    // The loader reads integers: int() of each coordinate (toward zero).
    Box t{std::trunc(b.x0), std::trunc(b.y0), std::trunc(b.x1), std::trunc(b.y1), b.label};
    if (input_size > 0) {
      // resize_bbox: float64, multiplied first, divided second, int() again.
      const auto x = [&](float v) { return std::trunc(double(v) * input_size / width); };
      const auto y = [&](float v) { return std::trunc(double(v) * input_size / height); };
      t = {static_cast<float>(x(t.x0)), static_cast<float>(y(t.y0)), static_cast<float>(x(t.x1)),
           static_cast<float>(y(t.y1)), b.label};
    }
    out.push_back(t);
  }
  return out;
}

void require_ground_truth_boxes(const Dataset& dataset) {
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const Sample& s = dataset.sample(i);
    if (!s.boxes.empty()) continue;
    const std::string image = s.image_path.empty() ? "image " + std::to_string(i) : s.image_path;
    throw Error("wsol eval: " + (s.annotation.empty() ? image + " has no annotation"
                                                      : s.annotation + " (of " + image + ") has no object box") +
                "; every evaluated image needs at least one ground-truth box (" + dataset.name() + ")");
  }
}

void add_map(Evaluator& evaluator, const ScoreMap64& map, const std::vector<Box>& boxes, int width, int height,
             int label, const MapsEvalOptions& o, const std::string& name) {
  check(evaluator.protocol() == o.protocol, "wsol::add_map", "the evaluator's protocol is ",
        protocol_name(evaluator.protocol()), ", the options' ", protocol_name(o.protocol));
  check(map.width >= 1 && map.height >= 1, "wsol eval", "the map of ", name, " is empty");
  check(map.values.size() == static_cast<std::size_t>(map.width) * map.height, "wsol eval", "the map of ", name,
        " holds ", map.values.size(), " values for ", map.width, "x", map.height);
  for (double v : map.values)
    check(v >= 0 && v <= 1, "wsol eval", "the map of ", name, " holds ", v,
          ": score maps must lie in [0, 1] (NaN is refused too)");
  if (o.protocol == Protocol::wsolevaluation) {
    evaluator.add(wsolevaluation_map(map, width, height, o.input_size),
                  wsolevaluation_boxes(boxes, width, height, o.input_size), label);
    return;
  }
  EvalOptions geometry_options;
  geometry_options.resize = o.resize;
  geometry_options.crop = o.crop;
  const CropGeometry geometry = crop_geometry(width, height, geometry_options);
  std::vector<Box> gt;
  for (const Box& b : boxes) gt.push_back(geometry.to_crop(b, Protocol::release));
  ScoreMap narrow{map.width, map.height, std::vector<float>(map.values.begin(), map.values.end())};
  evaluator.add(narrow, gt, label, {}, static_cast<double>(o.crop) / map.width);
}

Evaluator evaluate_maps(const Dataset& dataset, const std::function<ScoreMap64(std::size_t)>& map_of,
                        const MapsEvalOptions& o, const ProgressCallback& progress) {
  check(o.input_size >= 0, "wsol::evaluate_maps", "input size ", o.input_size, " is negative");
  require_ground_truth_boxes(dataset);
  Evaluator evaluator(o.thresholds, o.protocol);
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const Sample& sample = dataset.sample(i);
    const std::string name = sample.image_path.empty() ? "image " + std::to_string(i) : sample.image_path;
    const std::optional<Image> loaded = detail::load_or_report(dataset, i, o.on_unreadable);
    if (!loaded) {
      if (progress) progress(i + 1, dataset.size());
      continue;
    }
    const Image& image = *loaded;
    for (const std::string& w : check_boxes_against_image(sample, image.width, image.height))
      detail::warn(o.on_warning, w);
    add_map(evaluator, map_of(i), sample.boxes, image.width, image.height, sample.label, o, name);
    if (progress) progress(i + 1, dataset.size());
  }
  return evaluator;
}

}  // namespace c2am::wsol
