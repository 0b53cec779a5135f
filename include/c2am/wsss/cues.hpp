#pragma once
// Background cues (SPEC §5) and their use: a C²AM map, thresholded and
// refined by a two-label dense CRF over the image, marks foreground (255)
// and background (0); another method's class activation maps then take
// their background from the cue instead of a fixed threshold.

#include <cstdint>
#include <string>
#include <vector>

#include "c2am/core/device.hpp"
#include "c2am/data/image.hpp"
#include "c2am/wsss/dense_crf.hpp"

namespace c2am::wsss {

// The release's settings: threshold 0.3, hard-label unaries with gt_prob
// 0.7, Gaussian kernel σ_xy 3 weight 3, bilateral σ_xy 50 σ_rgb 5 weight 10,
// 10 mean-field iterations.
struct CueOptions {
  double threshold = 0.3;
  double gt_prob = 0.7;
  int iterations = 10;
  PairwiseKernels kernels;
};

// map: H×W in [0, 1] for `image` (same size). Returns 255 (foreground) or
// 0 (background) per pixel.
std::vector<std::uint8_t> background_cue(const Image& image, const std::vector<float>& map,
                                         const CueOptions& options = {});
// The cues of many images at once: on CPU threads, or batched on a GPU
// (Device::cuda(); see dense_crf_batch).
std::vector<std::vector<std::uint8_t>> background_cues(const std::vector<Image>& images,
                                                       const std::vector<std::vector<float>>& maps,
                                                       const CueOptions& options = {}, Device device = Device::cpu());

// Segmentation ground truth collapsed to background (0) / foreground (1);
// the ignore label 255 stays.
std::vector<std::uint8_t> foreground_truth(const std::vector<std::uint8_t>& mask);
// A cue (0/255) as labels 0/1 for a two-class confusion matrix.
std::vector<std::uint8_t> cue_labels(const std::vector<std::uint8_t>& cue);

// Another method's CAMs refined with a cue: per pixel the argmax of
// [1 − cue/255, cam_1, …, cam_K], compared in float64 as the release does;
// position 0 gives label 0 (background), position k gives class_ids[k − 1].
// Equal scores go to the lower position, so background wins ties. cams:
// K × pixels (K = class_ids.size() ≥ 0).
std::vector<std::uint8_t> refine_cams(const std::vector<std::uint8_t>& cue, const std::vector<float>& cams,
                                      const std::vector<int>& class_ids);

// A cue PNG as `wsss cues` (or the release, or `wsss refine infer`) writes it:
// one gray channel, 0 background … 255 foreground, of width × height pixels.
// Throws c2am::Error naming the file when it is missing, not gray, of
// another size, or holds values above 255 (a 16-bit PNG).
std::vector<std::uint8_t> read_cue(const std::string& path, int width, int height);

// The classes of an image's CAMs, in channel order: whitespace-separated
// integers in [1, 254] (the "<id>.classes.txt" side file beside
// "<id>.npy"). Errors name the file and the offending token.
std::vector<int> read_class_ids(const std::string& path);

}  // namespace c2am::wsss
