#pragma once
// The C²AM training loop (SPEC §3): contrastive loss, SGD with the release's
// four parameter groups, poly or cosine schedule, the orientation check
// after the first epoch, a JSONL log of every step, atomic checkpoints and
// exact resumption.

#include <cstdint>
#include <functional>
#include <string>

#include "c2am/data/loader.hpp"
#include "c2am/dist/communicator.hpp"
#include "c2am/io/weights.hpp"
#include "c2am/loss/contrastive.hpp"
#include "c2am/model.hpp"
#include "c2am/train/sgd.hpp"

namespace c2am {

enum class OrientationCheck {
  Wsol,  // release (WSOL): first image's map binarized at 0.5, mean of its four outermost rows/columns
  Wsss,  // release (WSSS): raw map values of the four 4-pixel border bands, over the batch
  None,
};

struct TrainConfig {
  std::string dataset = "synthetic";  // a spec for open_dataset
  std::string split = "train";
  ModelConfig model;
  std::string weights;  // initial weights (safetensors), optional
  LoadOptions weights_options;
  // A weights file that leaves backbone tensors missing is refused unless
  // this is set (they then keep their random initialization).
  bool partial_weights = false;
  std::size_t epochs = 20;
  double lr = 1e-4;
  double alpha = 0.05;
  LossPath loss_path = LossPath::automatic;  // fused kernels or composed ops (c2am/loss/contrastive.hpp)
  double weight_decay = 1e-4;
  double momentum = 1e-4;  // the release's effective momentum (see SPEC §3)
  // The head's weights train at lr × head_lr_scale, its biases at twice that
  // (docs/training.md): 1 in the release preset (what the release's
  // parameter grouping does), 10 in the paper preset (what it intends).
  double head_lr_scale = 10.0;
  bool nesterov = false;
  Schedule schedule = Schedule::Poly;
  OrientationCheck orientation = OrientationCheck::Wsol;
  LoaderConfig loader;
  std::string output_dir = "runs/train";
  std::size_t checkpoint_every = 0;  // steps between checkpoints; 0: at the end of each epoch only
  std::size_t max_steps = 0;         // stop after this many steps in all (0: run every epoch)
  bool resume = false;               // continue from output_dir/checkpoint.safetensors (not with overwrite)
  bool overwrite = false;            // replace an earlier run in output_dir (refused otherwise)
  // With resume: continue even though data, split, seed, batch size,
  // transform, orientation or alpha differ from the checkpoint's (refused
  // otherwise). Changes are reported through on_note and recorded in the
  // checkpoint's "config_changes"; another architecture is always refused.
  bool allow_changes = false;
  bool progress = true;              // progress bar on stderr
  // Data parallelism (docs/distributed.md): the processes of one job, each
  // running this same configuration; null or one process: a plain run.
  // loader.batch_size is the global batch, shared by the processes; the loss
  // sees all of it. Process 0 writes the log, the checkpoints and the
  // weights, and shows the progress; an error on any process stops all.
  std::shared_ptr<dist::Communicator> communicator;
  // With several processes: sum gradients during backward, bucket by bucket
  // (dist::GradientReducer); false sums them after it. Same results.
  bool overlap_gradient_sum = true;
};

// Recipes of SPEC §3 ("cub", "imagenet", "voc") with a preset: "release"
// reproduces what the original scripts run (momentum 1e-4, poly, the head at
// lr ×1, the last partial batch kept), "paper" the appendix (momentum 0.9,
// cosine, the head at ×10, full batches only). docs/training.md lists every
// difference and its source.
TrainConfig recipe(const std::string& name, const std::string& preset = "release");

// The SGD groups a run trains with: backbone weights ×1 with weight decay,
// backbone biases ×2 without, head weights ×head_lr_scale with weight decay,
// head biases ×2·head_lr_scale without.
std::vector<ParamGroup> optimizer_groups(const Model& model, const TrainConfig& config);

struct TrainResult {
  std::size_t steps = 0;      // the run's position: every step so far, a resumed run's earlier ones included
  std::size_t steps_run = 0;  // the steps this call trained
  std::size_t epochs_completed = 0;
  bool flipped = false;  // the orientation check inverted the map
  double last_loss = 0;
  double images_per_second = 0;
  std::size_t skipped = 0;  // reads of unreadable images skipped, over all epochs (LoaderConfig::skip_unreadable)
  std::string checkpoint;  // path of the final checkpoint
};

class Trainer {
 public:
  explicit Trainer(TrainConfig config);
  // Trains on open_dataset(config.dataset, config.split) ...
  TrainResult run();
  // ... or on a dataset the caller built (config.dataset is then unused).
  TrainResult run(const Dataset& dataset);
  // Called after every step with (step, total loss terms); for tests and tools.
  std::function<void(std::size_t, const ContrastiveLossTerms&)> on_step;
  // Called with notes a user should see before training starts (the
  // weights load report).
  std::function<void(const std::string&)> on_note;

  static std::string checkpoint_path(const std::string& output_dir) { return output_dir + "/checkpoint.safetensors"; }

 private:
  TrainConfig config_;
};

// Loads config.weights into `model` by name (non-strict): detects the usual
// wrapper prefixes (module., encoder_q., module.encoder_q., module.backbone.,
// backbone.) when weights_options.strip_prefix is empty; throws c2am::Error
// naming the file when nothing matches, or when backbone tensors are missing
// and partial_weights is not set. Returns a one-line report (loaded N of M,
// prefix stripped, tensors unused).
std::string load_initial_weights(Model& model, const TrainConfig& config);

// Whether the map's border is mostly "foreground" (then the map is flipped).
bool border_says_flip(const Tensor& map, OrientationCheck check);

}  // namespace c2am
