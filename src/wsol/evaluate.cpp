#include "c2am/wsol/evaluate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/data/transforms.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::wsol {

CropGeometry crop_geometry(int width, int height, const EvalOptions& o) {
  check(o.crop >= 1 && o.crop <= o.resize, "wsol", "crop ", o.crop, " must be in [1, resize = ", o.resize, "]");
  CropGeometry g;
  g.scale_x = static_cast<double>(o.resize) / width;
  g.scale_y = static_cast<double>(o.resize) / height;
  const CropBox box = center_crop_box(o.resize, o.resize, o.crop);
  g.offset_x = box.x;
  g.offset_y = box.y;
  g.crop = o.crop;
  return g;
}

Box CropGeometry::to_crop(const Box& b) const {
  const auto cx = [&](double v) { return static_cast<float>(std::clamp(v * scale_x - offset_x, 0.0, double(crop))); };
  const auto cy = [&](double v) { return static_cast<float>(std::clamp(v * scale_y - offset_y, 0.0, double(crop))); };
  return {cx(b.x0), cy(b.y0), cx(b.x1), cy(b.y1), b.label};
}

Box CropGeometry::to_original(const Box& b) const {
  return {static_cast<float>((b.x0 + offset_x) / scale_x), static_cast<float>((b.y0 + offset_y) / scale_y),
          static_cast<float>((b.x1 + offset_x) / scale_x), static_cast<float>((b.y1 + offset_y) / scale_y), b.label};
}

std::vector<EvaluatedImage> compute_maps(Model& model, const Dataset& dataset, const EvalOptions& o) {
  NoGradGuard no_grad;
  model.eval();
  std::vector<EvaluatedImage> out;
  out.reserve(dataset.size());
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const Image image = dataset.load_image(i);
    EvaluatedImage e;
    e.index = i;
    e.label = dataset.sample(i).label;
    e.geometry = crop_geometry(image.width, image.height, o);
    for (const Box& b : dataset.sample(i).boxes) e.gt.push_back(e.geometry.to_crop(b));
    const Image input = crop(resize(image, o.resize, o.resize), center_crop_box(o.resize, o.resize, o.crop));
    Tensor map = model.forward(to_batch({input}).to(model.config().device)).map;
    if (o.flipped) map = 1.0 - map;
    const Tensor host = map.to(Device::cpu()).to(DType::Float32).contiguous();
    ScoreMap low{static_cast<int>(host.size(3)), static_cast<int>(host.size(2)), host.to_vector<float>()};
    if (o.mode == MapMode::Upsampled) {
      e.map = normalize_min_max(upsample(low, o.crop, o.crop));
      e.stride = 1;
    } else {
      e.map = std::move(low);
      e.stride = o.crop / e.map.width;
    }
    out.push_back(std::move(e));
  }
  return out;
}

namespace {
Box scaled(Box b, int stride) {
  b.x0 *= stride, b.y0 *= stride, b.x1 *= stride, b.y1 *= stride;
  return b;
}
}  // namespace

Box predicted_box(const EvaluatedImage& image, double threshold) {
  return scaled(largest_region_box(image.map, threshold), image.stride);
}

Evaluator evaluate(const std::vector<EvaluatedImage>& images, const std::vector<double>& thresholds,
                   const std::vector<std::vector<int>>& top5) {
  check(top5.empty() || top5.size() == images.size(), "wsol::evaluate", top5.size(), " predictions for ",
        images.size(), " images");
  Evaluator e(thresholds);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const EvaluatedImage& image = images[i];
    if (image.stride == 1) {
      e.add(image.map, image.gt, image.label, top5.empty() ? std::vector<int>{} : top5[i]);
    } else {
      // Release mode: compare in map coordinates by scaling the ground truth down.
      std::vector<Box> gt;
      for (Box b : image.gt) {
        b.x0 /= image.stride, b.y0 /= image.stride, b.x1 /= image.stride, b.y1 /= image.stride;
        gt.push_back(b);
      }
      e.add(image.map, gt, image.label, top5.empty() ? std::vector<int>{} : top5[i]);
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
    const double best = best_iou({box(image)}, image.gt);
    located += best > 0.5;
    for (std::size_t d = 0; d < 3; ++d) hits[d] += best >= kBoxAccIous[d];
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
