#include "c2am/wsol/second_stage_eval.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/core/error.hpp"
#include "c2am/data/transforms.hpp"
#include "c2am/ops/ops.hpp"
#include "c2am/wsol/evaluate.hpp"

namespace c2am::wsol {

namespace {

// Resize to resize×resize (PIL bilinear), centre crop, normalize.
Image test_view(const Image& image, int resize_to, int crop_to) {
  const Image resized = resize(image, resize_to, resize_to, Interpolation::Bilinear);
  return crop(resized, center_crop_box(resize_to, resize_to, crop_to));
}

// One batch's dataset indices and the decoded size of each image.
struct BatchImages {
  std::vector<std::size_t> indices;
  std::vector<ImageSize> sizes;
};

// Runs `model` over the images at `indices` in batches; `use` receives each
// batch and its outputs [B, K] (on the CPU, float64).
void run_batches(nn::PooledResNet& model, const Dataset& dataset, const std::vector<std::size_t>& indices,
                 int resize_to, int crop_to, const SecondStageEvalOptions& o,
                 const std::function<void(const BatchImages&, const Tensor&)>& use) {
  check(o.batch_size >= 1, "second stage evaluation", "batch size must be at least 1");
  model.eval();
  NoGradGuard no_grad;
  std::size_t done = 0;
  for (std::size_t first = 0; first < indices.size(); first += o.batch_size) {
    std::vector<Image> views;
    BatchImages batch;
    for (std::size_t k = first; k < std::min(indices.size(), first + o.batch_size); ++k) {
      try {
        const Image image = dataset.load_image(indices[k]);
        views.push_back(test_view(image, resize_to, crop_to));
        batch.indices.push_back(indices[k]);
        batch.sizes.push_back({image.width, image.height});
      } catch (const Error& e) {
        if (!o.on_unreadable) throw;
        o.on_unreadable(indices[k], e.what());
      }
    }
    if (!views.empty()) use(batch, model.forward(to_batch(views).to(o.device)).to(Device::cpu()).to(DType::Float64));
    done += std::min(o.batch_size, indices.size() - first);
    if (o.on_progress) o.on_progress(done, indices.size());
  }
}

// The ground truth of sample `s` in the evaluation frame of an image of `size`.
std::vector<Box64> ground_truth_in_frame(const Sample& s, ImageSize size, const SecondStageEvalOptions& o) {
  std::vector<Box64> out;
  for (const Box& g : s.boxes) {
    // On ImageNet only the boxes of the image's class count.
    if (s.label >= 0 && g.label >= 0 && g.label != s.label) continue;
    out.push_back(ground_truth_in_eval_crop(g, size.width, size.height, o.resize, o.crop));
  }
  return out;
}

double best_iou(const Box64& box, const std::vector<Box64>& ground_truth) {
  double best = 0;
  for (const Box64& g : ground_truth) best = std::max(best, psol_iou(box, g));
  return best;
}

}  // namespace

std::vector<RegressedImage> boxes_in_eval_frame(const Dataset& dataset, const std::vector<std::optional<Box>>& boxes,
                                                const SecondStageEvalOptions& o) {
  require_ground_truth_boxes(dataset);
  check(boxes.size() == dataset.size(), "boxes_in_eval_frame", boxes.size(), " boxes for ", dataset.size(), " images");
  std::vector<RegressedImage> out;
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    ImageSize size;
    try {
      const Image image = dataset.load_image(i);
      size = {image.width, image.height};
    } catch (const Error& e) {
      if (!o.on_unreadable) throw;
      o.on_unreadable(i, e.what());
      continue;
    }
    RegressedImage r;
    r.index = i;
    if (boxes[i]) {
      // The box goes through the same resize and crop as the image (clipped to the crop).
      r.box = ground_truth_in_eval_crop(*boxes[i], size.width, size.height, o.resize, o.crop);
      r.xywh = {r.box.x0 / o.crop, r.box.y0 / o.crop, (r.box.x1 - r.box.x0) / o.crop, (r.box.y1 - r.box.y0) / o.crop};
    }
    r.ground_truth = ground_truth_in_frame(dataset.sample(i), size, o);
    r.iou = best_iou(r.box, r.ground_truth);
    out.push_back(std::move(r));
    if (o.on_progress) o.on_progress(i + 1, dataset.size());
  }
  return out;
}

std::vector<RegressedImage> regress_boxes(nn::BoxRegressor& regressor, const Dataset& dataset,
                                          const SecondStageEvalOptions& o) {
  require_ground_truth_boxes(dataset);
  std::vector<std::size_t> indices(dataset.size());
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  std::vector<RegressedImage> out;
  run_batches(regressor, dataset, indices, o.resize, o.crop, o,
              [&](const BatchImages& batch, const Tensor& xywh) {
                const auto v = xywh.contiguous().to_vector<double>();
                for (std::size_t b = 0; b < batch.indices.size(); ++b) {
                  RegressedImage r;
                  r.index = batch.indices[b];
                  r.xywh = {v[b * 4], v[b * 4 + 1], v[b * 4 + 2], v[b * 4 + 3]};
                  r.box = regressed_box_in_crop(r.xywh, o.crop);
                  // The ground truth is scaled by the decoded image's size, as the release does.
                  r.ground_truth = ground_truth_in_frame(dataset.sample(r.index), batch.sizes[b], o);
                  r.iou = best_iou(r.box, r.ground_truth);
                  out.push_back(std::move(r));
                }
              });
  return out;
}

std::vector<std::vector<int>> classify_top5(nn::ResNetClassifier& classifier, const Dataset& dataset,
                                            const std::vector<std::size_t>& indices, const SecondStageEvalOptions& o) {
  std::map<std::size_t, std::vector<int>> by_index;
  run_batches(classifier, dataset, indices, o.classifier_resize, o.classifier_crop, o,
              [&](const BatchImages& batch, const Tensor& logits) {
                const auto k = static_cast<std::size_t>(logits.size(1));
                const auto v = logits.contiguous().to_vector<double>();
                for (std::size_t b = 0; b < batch.indices.size(); ++b) {
                  std::vector<int> order(k);
                  std::iota(order.begin(), order.end(), 0);
                  const double* row = v.data() + b * k;
                  // Best first; equal scores keep the lower class first.
                  std::stable_sort(order.begin(), order.end(), [&](int a, int c) { return row[a] > row[c]; });
                  order.resize(std::min<std::size_t>(5, k));
                  by_index[batch.indices[b]] = order;
                }
              });
  std::vector<std::vector<int>> out;
  for (std::size_t i : indices) {
    const auto found = by_index.find(i);
    check(found != by_index.end(), "classify_top5", "image ", dataset.sample(i).id, " was not classified (unreadable)");
    out.push_back(found->second);
  }
  return out;
}

LocalizationMetrics score_localization(const std::vector<RegressedImage>& images, const Dataset& dataset,
                                       const std::vector<std::vector<int>>& top5) {
  check(top5.empty() || top5.size() == images.size(), "score_localization", top5.size(), " predictions for ",
        images.size(), " images");
  check(!images.empty(), "score_localization", "no image to score");
  struct Counts {
    double n = 0, gt_known = 0, top1_loc = 0, top5_loc = 0, top1 = 0, top5 = 0;
  };
  std::map<int, Counts> per_class;
  Counts all;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Sample& s = dataset.sample(images[i].index);
    check(top5.empty() || s.label >= 0, "score_localization", "image ", s.id,
          " has no class label: Top-1/Top-5 Loc need one per image");
    const bool located = psol_localized(images[i].iou);
    const bool first = !top5.empty() && !top5[i].empty() && top5[i][0] == s.label;
    const bool among = !top5.empty() && std::find(top5[i].begin(), top5[i].end(), s.label) != top5[i].end();
    for (Counts* c : {&per_class[s.label], &all}) {
      c->n += 1, c->gt_known += located, c->top1_loc += located && first, c->top5_loc += located && among;
      c->top1 += first, c->top5 += among;
    }
  }
  LocalizationMetrics m;
  m.images = images.size();
  m.classes = per_class.size();
  m.has_classes = !top5.empty();
  for (const auto& [label, c] : per_class) {
    const double k = static_cast<double>(per_class.size());
    m.gt_known_loc += c.gt_known / c.n / k, m.top1_loc += c.top1_loc / c.n / k, m.top5_loc += c.top5_loc / c.n / k;
    m.top1_cls += c.top1 / c.n / k, m.top5_cls += c.top5 / c.n / k;
  }
  m.gt_known_loc_images = all.gt_known / all.n;
  m.top1_loc_images = all.top1_loc / all.n;
  m.top5_loc_images = all.top5_loc / all.n;
  return m;
}

}  // namespace c2am::wsol
