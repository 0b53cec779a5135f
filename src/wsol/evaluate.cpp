#include "c2am/wsol/evaluate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/data/transforms.hpp"
#include "c2am/ops/ops.hpp"
#include "wsol/regions.hpp"
#include "wsol/warn.hpp"

namespace c2am::wsol {

CropGeometry crop_geometry(int width, int height, const EvalOptions& o) {
  check(o.crop >= 1 && o.crop <= o.resize, "wsol", "crop ", o.crop, " must be in [1, resize = ", o.resize, "]");
  check(width >= 1 && height >= 1, "wsol", "image of ", width, "x", height, " pixels");
  CropGeometry g;
  g.width = width, g.height = height, g.resize = o.resize, g.crop = o.crop;
  g.scale_x = static_cast<double>(o.resize) / width;
  g.scale_y = static_cast<double>(o.resize) / height;
  const CropBox box = center_crop_box(o.resize, o.resize, o.crop);
  g.offset_x = box.x;
  g.offset_y = box.y;
  return g;
}

Box CropGeometry::to_crop(const Box& b, Protocol protocol) const {
  if (protocol == Protocol::release) {
    // cub200.py: float32 tensors; the Python-float scale is rounded to
    // float32 before the multiply; the offset is (resize − crop) / 2.
    const float sx = static_cast<float>(static_cast<double>(resize) / width);
    const float sy = static_cast<float>(static_cast<double>(resize) / height);
    const float shift = static_cast<float>((resize - crop) / 2.0);
    return {b.x0 * sx - shift, b.y0 * sy - shift, b.x1 * sx - shift, b.y1 * sy - shift, b.label};
  }
  const auto map = [&](double v, int size, double offset) {
    return static_cast<float>(std::clamp(v * resize / size - offset, 0.0, double(crop)));
  };
  return {map(b.x0, width, offset_x), map(b.y0, height, offset_y), map(b.x1, width, offset_x),
          map(b.y1, height, offset_y), b.label};
}

Box CropGeometry::to_original(const Box& b) const {
  return {static_cast<float>((b.x0 + offset_x) / scale_x), static_cast<float>((b.y0 + offset_y) / scale_y),
          static_cast<float>((b.x1 + offset_x) / scale_x), static_cast<float>((b.y1 + offset_y) / scale_y), b.label};
}

std::vector<float> EvaluatedImage::crop_map() const {
  if (protocol == Protocol::wsolevaluation) return {upsampled.values.begin(), upsampled.values.end()};
  // Release: the low-resolution map, upsampled for display only.
  const ScoreMap64 wide{map.width, map.height, std::vector<double>(map.values.begin(), map.values.end())};
  const ScoreMap64 shown = resize_bicubic(wide, geometry.crop, geometry.crop);
  std::vector<float> out;
  for (double v : shown.values) out.push_back(static_cast<float>(std::clamp(v, 0.0, 1.0)));
  return out;
}

EvaluatedImage evaluate_image(Model& model, const Image& image, const EvalOptions& o) {
  NoGradGuard no_grad;
  model.eval();
  EvaluatedImage e;
  e.protocol = o.protocol;
  e.geometry = crop_geometry(image.width, image.height, o);
  const Image input = crop(resize(image, o.resize, o.resize), center_crop_box(o.resize, o.resize, o.crop));
  Tensor map = model.forward(to_batch({input}).to(model.config().device)).map;
  if (o.flipped) map = 1.0 - map;
  const Tensor host = map.to(Device::cpu()).to(DType::Float32).contiguous();
  e.map = ScoreMap{static_cast<int>(host.size(3)), static_cast<int>(host.size(2)), host.to_vector<float>()};
  if (o.protocol == Protocol::wsolevaluation) {
    e.upsampled = upsample_normalized(e.map, o.crop, o.crop);
  } else {
    e.box_scale = static_cast<double>(o.crop) / e.map.width;  // true division, widths only (the release)
  }
  return e;
}

std::vector<EvaluatedImage> compute_maps(Model& model, const Dataset& dataset, const EvalOptions& o,
                                         const ProgressCallback& progress) {
  std::vector<EvaluatedImage> out;
  out.reserve(dataset.size());
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const std::optional<Image> loaded = detail::load_or_report(dataset, i, o.on_unreadable);
    if (!loaded) {
      if (progress) progress(i + 1, dataset.size());
      continue;
    }
    const Image& image = *loaded;
    for (const std::string& w : check_boxes_against_image(dataset.sample(i), image.width, image.height))
      detail::warn(o.on_warning, w);
    EvaluatedImage e = evaluate_image(model, image, o);
    e.index = i;
    e.label = dataset.sample(i).label;
    for (const Box& b : dataset.sample(i).boxes) e.gt.push_back(e.geometry.to_crop(b, o.protocol));
    out.push_back(std::move(e));
    if (progress) progress(i + 1, dataset.size());
  }
  return out;
}

Box predicted_box(const EvaluatedImage& image, double threshold) {
  if (image.protocol == Protocol::wsolevaluation) return largest_region_box(image.upsampled, threshold, image.protocol);
  return detail::scaled_box(largest_region_box(image.map, threshold, image.protocol), image.box_scale);
}

std::optional<Box> predicted_box_in_image(const EvaluatedImage& image, double threshold) {
  const Box in_crop = predicted_box(image, threshold);
  // The references' (0, 0, 0, 0) means "no region": no box, not a point.
  if (in_crop.x0 == 0 && in_crop.y0 == 0 && in_crop.x1 == 0 && in_crop.y1 == 0) return std::nullopt;
  return image.geometry.to_original(in_crop);
}

std::optional<Box> localize(Model& model, const Image& image, double threshold, const EvalOptions& options) {
  return predicted_box_in_image(evaluate_image(model, image, options), threshold);
}

Evaluator evaluate(const std::vector<EvaluatedImage>& images, const std::vector<double>& thresholds,
                   const std::vector<std::vector<int>>& top5) {
  check(top5.empty() || top5.size() == images.size(), "wsol::evaluate", top5.size(), " predictions for ",
        images.size(), " images");
  const Protocol protocol = images.empty() ? Protocol::wsolevaluation : images.front().protocol;
  Evaluator e(thresholds, protocol);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const EvaluatedImage& image = images[i];
    check(image.protocol == protocol, "wsol::evaluate", "images evaluated under two protocols");
    check(protocol == Protocol::release ? image.map.width > 0 : image.upsampled.width > 0, "wsol::evaluate", "image ",
          i, " has no ", protocol == Protocol::release ? "low-resolution map" : "upsampled map",
          " for its protocol (", protocol_name(protocol), "): EvaluatedImage::protocol must match how its maps were made");
    const std::vector<int> predictions = top5.empty() ? std::vector<int>{} : top5[i];
    if (protocol == Protocol::wsolevaluation) {
      e.add(image.upsampled, image.gt, image.label, predictions);
    } else {
      e.add(image.map, image.gt, image.label, predictions, image.box_scale);
    }
  }
  return e;
}

namespace {
BaselineScores score_fixed(const std::vector<EvaluatedImage>& images, const std::function<Box(const EvaluatedImage&)>& box) {
  BaselineScores s;
  std::array<std::size_t, 3> hits{0, 0, 0};
  std::size_t located = 0;
  for (const auto& image : images) {
    const double best = best_iou({box(image)}, image.gt, image.protocol);
    located += localized(best, 0.5, image.protocol);
    for (std::size_t d = 0; d < 3; ++d) hits[d] += localized(best, kBoxAccIous[d], image.protocol);
  }
  const double n = std::max<double>(1.0, static_cast<double>(images.size()));
  s.gt_known = located / n;
  s.max_box_acc_v2 = (hits[0] + hits[1] + hits[2]) / (3.0 * n);
  return s;
}
}  // namespace

BaselineScores full_image_baseline(const std::vector<EvaluatedImage>& images) {
  return score_fixed(images, [](const EvaluatedImage& image) {
    const float side = static_cast<float>(image.geometry.crop);
    return Box{0, 0, side, side};
  });
}

BaselineScores center_baseline(const std::vector<EvaluatedImage>& images) {
  double w = 0, h = 0;
  std::size_t n = 0;
  for (const auto& image : images)
    for (const Box& b : image.gt) w += b.x1 - b.x0, h += b.y1 - b.y0, ++n;
  w /= std::max<std::size_t>(n, 1), h /= std::max<std::size_t>(n, 1);
  return score_fixed(images, [w, h](const EvaluatedImage& image) {
    const double c = image.geometry.crop / 2.0;
    return Box{float(c - w / 2), float(c - h / 2), float(c + w / 2), float(c + h / 2)};
  });
}

}  // namespace c2am::wsol
