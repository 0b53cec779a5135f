#pragma once
// WSOL evaluation of a trained model on a dataset split: the test-time
// transform (resize, centre crop), score maps in crop coordinates, ground
// truth mapped into the crop, the threshold sweep and the metrics; and the
// mapping of predicted boxes back to the original image.

#include <string>
#include <vector>

#include "c2am/data/dataset.hpp"
#include "c2am/model.hpp"
#include "c2am/wsol/metrics.hpp"

namespace c2am::wsol {

enum class MapMode {
  Upsampled,  // wsolevaluation: bilinear upsampling to the crop, min-max normalization (default)
  Release,    // the release: the low-resolution sigmoid map; boxes scaled by the stride
};

struct EvalOptions {
  int resize = 480;  // test transform: resize to resize×resize ...
  int crop = 448;    // ... then centre crop crop×crop (SPEC §4)
  MapMode mode = MapMode::Upsampled;
  bool flipped = false;  // use 1 − P (orientation flag of the training run)
  std::vector<double> thresholds = release_thresholds();
};

// The geometry of the test transform for one image.
struct CropGeometry {
  double scale_x = 1, scale_y = 1;  // resized / original
  double offset_x = 0, offset_y = 0;  // crop origin in the resized image
  int crop = 0;
  Box to_crop(const Box& original) const;    // clipped to the crop
  Box to_original(const Box& in_crop) const;
};
CropGeometry crop_geometry(int width, int height, const EvalOptions& options);

struct EvaluatedImage {
  std::size_t index = 0;   // in the dataset
  ScoreMap map;            // crop×crop (upsampled mode) or the low-resolution map (release mode)
  int stride = 1;          // crop pixels per map pixel (1 in upsampled mode)
  std::vector<Box> gt;     // in crop coordinates
  CropGeometry geometry;
  int label = -1;
};

// Score maps of every image of `dataset` (model in evaluation mode).
std::vector<EvaluatedImage> compute_maps(Model& model, const Dataset& dataset, const EvalOptions& options);

// Box of an evaluated image at `threshold`, in crop coordinates.
Box predicted_box(const EvaluatedImage& image, double threshold);

// The metrics over evaluated images; `top5` (optional) holds each image's
// classifier predictions in the same order.
Evaluator evaluate(const std::vector<EvaluatedImage>& images, const std::vector<double>& thresholds,
                   const std::vector<std::vector<int>>& top5 = {});

// Trivial baselines on the same ground truth: the whole crop as the box,
// and a centred box of the mean ground-truth size.
struct BaselineScores {
  double gt_known = 0;
  double max_box_acc_v2 = 0;
};
BaselineScores full_image_baseline(const std::vector<EvaluatedImage>& images);
BaselineScores center_baseline(const std::vector<EvaluatedImage>& images);

}  // namespace c2am::wsol
