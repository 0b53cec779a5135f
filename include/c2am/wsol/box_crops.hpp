#pragma once
// The geometry of the second WSOL stage (PSOL, as the C²AM release's
// WSOL/PSOL runs it): where a training crop falls and what becomes of its
// pseudo box, and the frame in which the regressed boxes are scored.
// Source: the release's utils/augment.py (RandomResizedBBoxCrop,
// RandomHorizontalFlipBBox, ResizedBBoxCrop, CenterBBoxCrop), utils/func.py
// (compute_intersec, normalize_intersec) and utils/IoU.py (IoU).
//
// Boxes are (x0, y0, x1, y1) with x1 = x0 + width, in pixels of the image
// named (the original image, or the evaluation crop); regression targets
// are the same corners divided by the crop's width and height.

#include <utility>

#include "c2am/core/generator.hpp"
#include "c2am/data/dataset.hpp"
#include "c2am/data/transforms.hpp"

namespace c2am::wsol {

// A box in float64 (the release's Python floats), x1 = x0 + width: in [0, 1]
// units of a crop for targets, in pixels of the evaluation crop for scoring.
struct Box64 {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// What the regressor predicts and learns: (x, y, w, h) of the crop, each in
// [0, 1] (the release's targets after its x1y1x2y2 → xywh step).
struct RegressionTarget {
  double x = 0, y = 0, w = 0, h = 0;
};

inline RegressionTarget to_xywh(const Box64& b) { return {b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0}; }

struct RandomBoxCropOptions {
  double min_scale = 0.2, max_scale = 1.0;     // crop area / image area
  double min_ratio = 3.0 / 4, max_ratio = 4.0 / 3;  // crop width / height
  int attempts = 30;
};

struct BoxCrop {
  CropBox crop;            // in the original image
  Box64 target;    // the box clipped to the crop, in crop units
};

// RandomResizedBBoxCrop.get_params: up to `attempts` draws of an area
// (uniform in [min, max scale] × image area) and a log-uniform aspect ratio,
// w = round(√(area·ratio)), h = round(√(area/ratio)) (halves to even); a crop
// that fits is placed uniformly and kept when its intersection with `box`
// has positive width and height. Otherwise the central crop of the largest
// allowed ratio, whose intersection is NOT checked: the target may then be
// empty or inverted, as the release trains on it.
BoxCrop random_resized_box_crop(int width, int height, const Box& box, Generator& gen,
                                const RandomBoxCropOptions& options = {});

// RandomHorizontalFlipBBox: x0 ← 1 − x1, x1 ← 1 − x0.
Box64 hflip(const Box64& b);

// The evaluation frame of the release's inference_CUB/ILSVRC.py: the image
// resized to resize×resize (aspect ratio not kept), then the central
// crop×crop. A ground-truth box is scaled per axis, clipped to the crop and
// moved into its pixels (ResizedBBoxCrop then CenterBBoxCrop, × crop size).
Box64 ground_truth_in_eval_crop(const Box& box, int width, int height, int resize = 256, int crop = 224);

// A box of the evaluation crop back in pixels of the original width×height
// image (the inverse of the resize and crop above; for pictures).
Box box_in_original(const Box64& in_crop, int width, int height, int resize = 256, int crop = 224);

// A regressed (x, y, w, h) in crop pixels: x0 = x·crop, x1 = w·crop + x0, not
// clipped (as the release's inference scripts).
Box64 regressed_box_in_crop(const RegressionTarget& xywh, int crop = 224);

// utils/IoU.py's IoU in float64: areas max(0, x1 − x0)·max(0, y1 − y0), no
// +1. Where the release divides by a zero union (both boxes empty) and stops
// with ZeroDivisionError, this returns 0.
double psol_iou(const Box64& a, const Box64& b);

// The release's correctness test: IoU > 0.5, strictly.
inline bool psol_localized(double iou) { return iou > 0.5; }

}  // namespace c2am::wsol
