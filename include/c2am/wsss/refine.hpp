#pragma once
// Refining the background cues with the saliency network (saliency_net.hpp),
// as the C²AM release's WSSS/PoolNet does on VOC: trained on the CRF cues of
// `wsss cues` as labels, then run over the images to write refined cues in
// the same format (gray PNG, 0 background … 255 foreground), which
// `wsss eval --cues` and the CAM refinement read as they read the CRF cues.
//
// Training, from the release's main_voc.py and solver.py: one image at a
// time at its own size (BGR, 0–255, minus the Caffe means; to_saliency_input),
// flipped horizontally with probability ½ together with its cue; label =
// cue / 255 (no threshold, no ignore value); loss BCE-with-logits summed
// over the pixels and divided by the accumulation count; the gradient
// accumulated over `accumulation` images (10) before each Adam step (lr 5e-5,
// weight decay 5e-4 as L2), 9 epochs; BatchNorm frozen (evaluation mode, its
// parameters not trained). The release's learning-rate decay is set for
// epoch 15 and so never happens in its 9 epochs; c2am has none.
// Inference: 255 · sigmoid(logit), rounded to the nearest integer.
//
// Where c2am differs (docs/wsss.md): an image with a side under 128 pixels
// is upsampled ×2 (until both sides reach 128) for the network and its
// output resized back — the release skips images of 100 pixels or less in
// training, upsamples them ×2 at inference, and cannot run 101–127 at all
// (its 8×8 pooling of the 1/16 level); at an epoch's end an unfinished
// accumulation is dropped, as the release's zero_grad at each epoch start
// does.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "c2am/core/device.hpp"
#include "c2am/data/dataset.hpp"
#include "c2am/wsss/saliency_net.hpp"

namespace c2am::wsss {

struct RefineConfig {
  std::string dataset = "synthetic";  // a spec for open_dataset
  std::string split = "train";
  std::string cues;       // folder of <id>.png written by `wsss cues`
  SaliencyNetConfig net;
  // The backbone's initial weights: a torchvision-named ResNet-50 (the
  // release reads a Caffe ResNet-50 converted to those names), loaded into
  // base.resnet.*; fc.* ignored. Without it the backbone keeps torchvision's
  // random initialization.
  std::string weights;
  Device device = Device::cpu();
  std::size_t epochs = 9;
  std::size_t accumulation = 10;  // images per Adam step (the release's iter_size)
  double lr = 5e-5, weight_decay = 5e-4;
  bool hflip = true;
  std::uint64_t seed = 0;  // order and flips
  std::string output_dir = "runs/refine";
  std::size_t max_images = 0;  // stop after this many training images in all (0: every epoch)
  bool resume = false, overwrite = false, allow_changes = false;
  bool progress = true;
  bool skip_unreadable = false;
};

struct RefineResult {
  std::size_t images_seen = 0;   // training images, over every epoch (resumed ones included)
  std::size_t steps = 0;         // Adam steps
  std::size_t epochs_completed = 0;
  std::size_t upsampled = 0;     // images with a side under 128 pixels (per epoch)
  std::size_t skipped = 0;       // unreadable, with skip_unreadable
  double last_loss = 0;          // of the last image
  std::string checkpoint, model;
};

class RefineTrainer {
 public:
  explicit RefineTrainer(RefineConfig config);
  RefineResult run();
  RefineResult run(const Dataset& dataset);
  std::function<void(const std::string&)> on_note;
  std::function<void(std::size_t image, double loss)> on_image;

 private:
  RefineConfig config_;
};

// The refined cue of one image: 255 · sigmoid of the network's logit, rounded,
// at the image's size (row-major, width × height).
std::vector<std::uint8_t> refined_cue(SaliencyNet& net, const Image& image, Device device = Device::cpu());

// A trained network from `model.safetensors` of a refine run (its "config"
// metadata gives the channels); throws c2am::Error naming the file otherwise.
std::unique_ptr<SaliencyNet> load_saliency_net(const std::string& path, Device device = Device::cpu());

}  // namespace c2am::wsss
