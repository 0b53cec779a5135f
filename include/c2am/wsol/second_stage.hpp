#pragma once
// Training the second WSOL stage (PSOL, as the C²AM release's WSOL/PSOL
// runs it): a box regressor on the pseudo boxes of `c2am wsol boxes`, and a
// classifier that supplies the class for Top-1/Top-5 Loc. Both are
// torchvision-topology ResNets (nn/pooled_resnet.hpp) trained with SGD on
// the release's parameter groups (stage2_recipe.hpp), with the same run
// folder as `c2am train`: checkpoint.safetensors (atomic; resumable),
// model.safetensors at the end, log.jsonl with one line per step.
//
// Regressor training sample (the release's CUB/ILSVRC loaders): the pseudo
// box's corners rounded up to whole pixels, a random resized crop that keeps
// part of the box (box_crops.hpp), resized to crop×crop (PIL bilinear), a
// horizontal flip with probability ½, target (x, y, w, h) of the box clipped
// to the crop, in crop units. Images without a pseudo box (null: no pixel
// above the threshold) are left out and counted.
// Classifier training sample: the same random resized crop around the whole
// image (torchvision's RandomResizedCrop) and flip, target the image's label.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "c2am/core/device.hpp"
#include "c2am/data/dataset.hpp"
#include "c2am/io/weights.hpp"
#include "c2am/nn/pooled_resnet.hpp"
#include "c2am/train/sgd.hpp"
#include "c2am/wsol/box_crops.hpp"

namespace c2am::wsol {

enum class SecondStageTask { regressor, classifier };
const char* task_name(SecondStageTask task);

struct SecondStageConfig {
  SecondStageTask task = SecondStageTask::regressor;
  std::string dataset = "synthetic";  // a spec for open_dataset
  std::string split = "train";
  std::string pseudo_boxes;  // regressor: the JSON of `c2am wsol boxes` for this split
  int depth = 50;
  std::int64_t base_width = 64;
  std::int64_t classes = 0;  // classifier: 0 takes the dataset's class count
  std::uint64_t seed = 0;    // initialization of every parameter
  // Initial weights, e.g. torchvision's ImageNet ResNet converted by
  // tools/convert_weights.py (the release starts the regressor from it). The
  // head's tensors ("fc.*") are not loaded when their shapes differ from the
  // model's (a 1000-class fc into the regressor); every other tensor must be.
  std::string weights;
  Device device = Device::cpu();
  std::size_t epochs = 100;
  std::size_t batch_size = 64;
  bool drop_last = false;  // the release keeps the last partial batch
  double lr = 0.002;
  double head_lr_multiplier = 2.0;
  double momentum = 0.9;
  double weight_decay = 1e-4;
  Schedule schedule = Schedule::Cosine;  // stepped every iteration over all steps, as the release
  int crop = 224;
  RandomBoxCropOptions crop_options;  // the regressor's (0.2, 1.0); the classifier recipes use (0.08, 1.0)
  bool hflip = true;
  int workers = 2;
  std::uint64_t loader_seed = 0;
  bool skip_unreadable = false;
  std::string output_dir = "runs/regressor";
  std::size_t checkpoint_every = 0;  // steps; 0: at the end of each epoch
  std::size_t max_steps = 0;         // 0: every epoch
  bool resume = false, overwrite = false, allow_changes = false;
  bool progress = true;
};

// The release's settings: regressor "cub" (batch 64, 100 epochs, lr 0.002)
// and "imagenet" (batch 256, 20 epochs, lr 0.002 · 256/256), head ×2,
// momentum 0.9, weight decay 1e-4 on every parameter, cosine per iteration.
// The release trains no classifier (it downloads an EfficientNet-B7); the
// classifier recipes are c2am's, stated in docs/wsol.md: "cub" fine-tunes an
// ImageNet ResNet (batch 32, 30 epochs, lr 0.01, head ×10), "imagenet" is
// the standard from-scratch schedule (batch 256, 90 epochs, lr 0.1, head ×1).
SecondStageConfig second_stage_recipe(SecondStageTask task, const std::string& name);

struct SecondStageResult {
  std::size_t steps = 0, steps_run = 0, epochs_completed = 0;
  std::size_t images = 0;          // training images used
  std::size_t without_box = 0;     // regressor: images left out (null pseudo box)
  std::size_t skipped = 0;         // unreadable images skipped (skip_unreadable)
  double last_loss = 0;
  double images_per_second = 0;
  std::string checkpoint, model;   // paths written
};

class SecondStageTrainer {
 public:
  explicit SecondStageTrainer(SecondStageConfig config);
  SecondStageResult run();
  SecondStageResult run(const Dataset& dataset);
  std::function<void(std::size_t step, double loss)> on_step;
  // Notes a user should see before training (weights report, images left out).
  std::function<void(const std::string&)> on_note;

 private:
  SecondStageConfig config_;
};

// A trained model of either kind, as `model.safetensors` of a second-stage
// run records it ("task", "config" metadata), or a torchvision ResNet
// classifier file (converted by tools/convert_weights.py; depth and class
// count read from its tensors), loaded strictly by name.
struct SecondStageModel {
  std::unique_ptr<nn::PooledResNet> model;
  SecondStageTask task = SecondStageTask::regressor;
  int depth = 50;
  std::int64_t classes = 0;  // classifier only
};

// Throws c2am::Error naming the file when it cannot be read, is neither kind,
// or is the other kind than `expected` (a classifier given as a regressor).
SecondStageModel load_second_stage_model(const std::string& path, SecondStageTask expected,
                                         Device device = Device::cpu());

}  // namespace c2am::wsol
