#pragma once
// Using a trained model: loading weights files written by training (which
// describe their own architecture) and computing activation maps.

#include <memory>
#include <string>
#include <vector>

#include "c2am/data/image.hpp"
#include "c2am/model.hpp"

namespace c2am {

struct TrainedModel {
  std::unique_ptr<Model> model;
  bool flipped = false;  // the orientation check inverted the map: use 1 − P
};

// Loads model.safetensors or checkpoint.safetensors from training: the
// architecture comes from the file's "config" metadata, the weights must
// match it exactly. The model is returned in evaluation mode.
TrainedModel load_trained_model(const std::string& path, Device device = Device::cpu());

// The foreground map of `image` at the image's own size: the raw sigmoid
// map, values in [0, 1] but not min-max normalized — resized to input_size ×
// input_size (bilinear, PIL-compatible), normalized input, sigmoid map of the
// model in its current mode, orientation applied, bilinearly upsampled to the
// image (align_corners = false). Row-major H×W. For pictures and .npy output
// (`c2am maps`); box thresholds chosen by `c2am wsol eval` apply to
// wsol::localize, which uses the evaluation's own map and normalization.
std::vector<float> activation_map(Model& model, const Image& image, int input_size, bool flipped);

}  // namespace c2am
