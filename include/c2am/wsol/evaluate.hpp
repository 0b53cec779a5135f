#pragma once
// WSOL evaluation of a trained model on a dataset split: the test-time
// transform (resize, centre crop), score maps, ground truth mapped into the
// crop, the threshold sweep and the metrics under one of the two protocols
// of boxes.hpp; and the mapping of predicted boxes back to the original
// image.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "c2am/data/dataset.hpp"
#include "c2am/model.hpp"
#include "c2am/wsol/metrics.hpp"

namespace c2am::wsol {

struct EvalOptions {
  int resize = 480;  // test transform: resize to resize×resize ...
  int crop = 448;    // ... then centre crop crop×crop (SPEC §4)
  Protocol protocol = Protocol::wsolevaluation;
  bool flipped = false;            // use 1 − P (orientation flag of the training run)
  std::vector<double> thresholds;  // the single-box sweep; empty: the protocol's (default_thresholds)
  std::vector<double> sweep() const { return thresholds.empty() ? default_thresholds(protocol) : thresholds; }
  // Receives the warnings of check_boxes_against_image (boxes that stick out
  // of their image); unset: they are printed to stderr.
  std::function<void(const std::string&)> on_warning;
  // Set: an image that cannot be decoded is left out and reported here (its
  // index, the decoder's message); unset: the error stops the evaluation.
  std::function<void(std::size_t, const std::string&)> on_unreadable;
};

// The geometry of the test transform for one image.
struct CropGeometry {
  int width = 0, height = 0;          // the original image
  int resize = 0, crop = 0;
  double scale_x = 1, scale_y = 1;    // resized / original
  double offset_x = 0, offset_y = 0;  // crop origin in the resized image
  // A ground-truth box in crop pixels, as the protocol maps it:
  // wsolevaluation: each coordinate resized in float64 (times resize, then
  // divided by the image size) and shifted, then clipped to the crop (its
  // evaluator refuses coordinates outside the image); release: in float32 as
  // the release's CUB loader does (x · float32(resize / width) − (resize −
  // crop) / 2), not clipped.
  Box to_crop(const Box& original, Protocol protocol) const;
  Box to_original(const Box& in_crop) const;
};
CropGeometry crop_geometry(int width, int height, const EvalOptions& options);

struct EvaluatedImage {
  std::size_t index = 0;  // in the dataset
  Protocol protocol = Protocol::wsolevaluation;
  ScoreMap map;           // the model's low-resolution map (float32), orientation applied
  ScoreMap64 upsampled;   // wsolevaluation: crop×crop, bicubic, min-max normalized; empty under release
  double box_scale = 1;   // release: crop / map width (the release scales both axes by it); else 1
  std::vector<Box> gt;    // in crop pixels (CropGeometry::to_crop)
  CropGeometry geometry;
  int label = -1;
  // The map boxes are found on, as float32 pixels of the crop (pictures).
  std::vector<float> crop_map() const;
};

// Called after each image with (images done, images in all): progress.
using ProgressCallback = std::function<void(std::size_t, std::size_t)>;

// Score maps of every image of `dataset` (model in evaluation mode).
std::vector<EvaluatedImage> compute_maps(Model& model, const Dataset& dataset, const EvalOptions& options,
                                         const ProgressCallback& progress = {});
// One image's maps as compute_maps makes them (no ground truth, index 0).
EvaluatedImage evaluate_image(Model& model, const Image& image, const EvalOptions& options);

// The box `c2am wsol boxes` gives for `image` at `threshold`, in the image's
// pixels (x1 = x0 + width): the same transform, map and protocol as
// `wsol eval` under the same options, so a threshold chosen there means the
// same here (activation_map's raw sigmoid map is for pictures and .npy
// output, not for these thresholds). std::nullopt when no pixel passes.
std::optional<Box> localize(Model& model, const Image& image, double threshold, const EvalOptions& options);

// Single-box prediction of an evaluated image at `threshold`, in crop pixels
// ((0, 0, 0, 0) when no pixel passes, as the references give it).
Box predicted_box(const EvaluatedImage& image, double threshold);
// The same box in the original image's pixels; std::nullopt when no pixel passes.
std::optional<Box> predicted_box_in_image(const EvaluatedImage& image, double threshold);

// The metrics over evaluated images (one protocol); `top5` (optional) holds
// each image's classifier predictions in the same order.
Evaluator evaluate(const std::vector<EvaluatedImage>& images, const std::vector<double>& thresholds,
                   const std::vector<std::vector<int>>& top5 = {});

// --- score maps of any method ---------------------------------------------------
// What wsolevaluation is used for: maps computed elsewhere (one per image, at
// any resolution) scored against a dataset's boxes under a protocol.
// Throws, before any map is computed, when an image of `dataset` has no
// ground-truth box (a VOC XML without <object>, an image without boxes),
// naming its annotation: localization cannot be scored without one.
void require_ground_truth_boxes(const Dataset& dataset);

struct MapsEvalOptions {
  Protocol protocol = Protocol::wsolevaluation;
  // wsolevaluation: 0 scores each map upsampled to its image's size against
  // the boxes in image pixels; N > 0 is wsolevaluation's end-to-end protocol,
  // where images are resized to N×N (224 in its configs) and the boxes with
  // them (int(int(x) · N / width)).
  int input_size = 0;
  // release: the maps are of the centre crop×crop of the image resized to
  // resize×resize; boxes are scaled by crop / map width.
  int resize = 480, crop = 448;
  std::vector<double> thresholds;  // the single-box sweep; empty: the protocol's
  std::function<void(const std::string&)> on_warning;  // as EvalOptions::on_warning
  std::function<void(std::size_t, const std::string&)> on_unreadable;  // as EvalOptions::on_unreadable
};

// wsolevaluation's map for one image: float64, bicubic to the image's size
// (or input_size²), min-max normalized.
ScoreMap64 wsolevaluation_map(const ScoreMap64& map, int width, int height, int input_size = 0);
// wsolevaluation's ground truth for one image: coordinates truncated, then
// (input_size > 0) resized as its resize_bbox does.
std::vector<Box> wsolevaluation_boxes(const std::vector<Box>& boxes, int width, int height, int input_size = 0);

// One image as evaluate_maps scores it: `map` (float64, values in [0, 1]),
// the image's ground-truth `boxes` in image pixels and its size, added to
// `evaluator` (whose protocol must be options.protocol) with options'
// geometry. Throws c2am::Error naming `name` when the map is empty or holds
// NaN or values outside [0, 1]. The Python module's c2am.wsol uses it.
void add_map(Evaluator& evaluator, const ScoreMap64& map, const std::vector<Box>& boxes, int width, int height,
             int label, const MapsEvalOptions& options, const std::string& name);
// Scores `map_of(i)` (image i's map, float64; rounded to float32 under the
// release protocol, as the release does) against every image of `dataset`
// (which must have boxes). Throws c2am::Error naming the image when a map
// is empty, holds NaN or values outside [0, 1] (wsolevaluation's check).
Evaluator evaluate_maps(const Dataset& dataset, const std::function<ScoreMap64(std::size_t)>& map_of,
                        const MapsEvalOptions& options, const ProgressCallback& progress = {});

// Trivial baselines on the same ground truth: the whole crop as the box,
// and a centred box of the mean ground-truth size.
struct BaselineScores {
  double gt_known = 0;
  double max_box_acc_v2 = 0;
};
BaselineScores full_image_baseline(const std::vector<EvaluatedImage>& images);
BaselineScores center_baseline(const std::vector<EvaluatedImage>& images);

}  // namespace c2am::wsol
