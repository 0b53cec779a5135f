#include <cstdio>
#include <filesystem>
#include <vector>
#include <memory>

#include "c2am/cuda/runtime.hpp"
#include "c2am/dist/communicator.hpp"
#include "c2am/train/trainer.hpp"
#include "cli/commands.hpp"
#include "cli/device_option.hpp"
#include "cli/split_option.hpp"

namespace c2am::cli {

namespace {

struct TrainOptions {
  std::string data, split = "train", backbone = "resnet50", weights, weights_prefix, recipe = "cub",
              preset = "release", device = "cpu", loss_path = "automatic", out = "runs/train", schedule;
  std::int64_t base_width = 64;
  bool split_given = false;  // --split set on the command line
  std::vector<int> strides;  // layer1..layer4; empty: the model's default
  std::vector<std::string> stages;
  std::size_t batch = 0, epochs = 0, checkpoint_every = 0, max_steps = 0;
  double lr = 0, alpha = -1, momentum = -1, weight_decay = -1;
  int workers = 2, resize = 0, crop = 0;
  std::uint64_t seed = 0;
  bool resume = false, skip_unreadable = false, no_progress = false, nesterov = false, partial_weights = false,
       overwrite = false, allow_changes = false, distributed = false, no_overlap = false;
};

// The processes of this job: MPI's when --distributed is given or the
// process was started by mpirun/mpiexec, else this process alone. On GPUs,
// NCCL over MPI, each process on the GPU of its local rank (`device` is
// set to it).
std::shared_ptr<dist::Communicator> communicator(bool distributed, Device& device) {
  if (!distributed && !dist::launched_by_mpi()) return nullptr;
  const std::string why = distributed ? "--distributed" : "started by mpirun";
  if (!dist::mpi_available()) {
    throw Error(why + ": this build of c2am has no MPI (install libopenmpi-dev with scripts/install-deps.sh and "
                      "build again)");
  }
  if (!device.is_cuda()) return dist::mpi_world();
  if (!dist::nccl_available()) {
    throw Error(why + " with --device cuda: this build of c2am has no NCCL (docs/distributed.md)");
  }
  device = Device::cuda(dist::local_rank());
  return dist::nccl_world(dist::mpi_world(), device.index);
}

int depth_of(const std::string& backbone) {
  for (int depth : {18, 34, 50, 101})
    if (backbone == "resnet" + std::to_string(depth)) return depth;
  throw Error("--backbone must be resnet18, resnet34, resnet50 or resnet101, got '" + backbone + "'");
}

int run_train(const TrainOptions& o) {
  TrainConfig config = recipe(o.recipe, o.preset);
  config.dataset = o.data;
  config.split = resolve_split(o.data, o.split, o.split_given, "--split");
  config.model.backbone.depth = depth_of(o.backbone);
  config.model.backbone.base_width = o.base_width;
  if (!o.strides.empty()) {
    if (o.strides.size() != 4)
      throw Error("--strides needs four values (layer1 to layer4, each 1 or 2), got " + std::to_string(o.strides.size()));
    for (std::size_t k = 0; k < 4; ++k) config.model.backbone.strides[k] = o.strides[k];
  }
  if (!o.stages.empty()) config.model.backbone.stages = o.stages;
  config.model.seed = o.seed;
  config.model.device = device_option(o.device);
  config.weights = o.weights;
  config.weights_options.strict = false;
  config.weights_options.strip_prefix = o.weights_prefix;
  config.weights_options.add_prefix = "backbone.";
  config.weights_options.ignore = {"backbone.fc.*"};
  config.partial_weights = o.partial_weights;
  if (o.batch) config.loader.batch_size = o.batch;
  if (o.epochs) config.epochs = o.epochs;
  if (o.lr > 0) config.lr = o.lr;
  if (o.alpha >= 0) config.alpha = o.alpha;
  config.loss_path = parse_loss_path(o.loss_path);
  if (o.momentum >= 0) config.momentum = o.momentum;
  if (o.weight_decay >= 0) config.weight_decay = o.weight_decay;
  if (!o.schedule.empty()) config.schedule = parse_schedule(o.schedule);
  config.nesterov = o.nesterov;
  if (o.resize) config.loader.transform.resize = o.resize;
  if (o.crop) config.loader.transform.crop = o.crop;
  config.loader.workers = o.workers;
  config.loader.seed = o.seed;
  config.loader.skip_unreadable = o.skip_unreadable;
  config.output_dir = o.out;
  config.checkpoint_every = o.checkpoint_every;
  config.max_steps = o.max_steps;
  config.resume = o.resume;
  config.overwrite = o.overwrite;
  config.allow_changes = o.allow_changes;
  config.progress = !o.no_progress;
  config.communicator = communicator(o.distributed, config.model.device);
  config.overlap_gradient_sum = !o.no_overlap;
  const bool lead = !config.communicator || config.communicator->rank() == 0;
  if (config.communicator && lead) {
    print_note("data parallel over " + std::to_string(config.communicator->size()) + " processes (" +
               config.communicator->backend() + "): batch " +
               std::to_string(config.loader.batch_size) + " in all, the loss over all of it");
  }

  Trainer trainer(config);
  trainer.on_note = print_note;
  const TrainResult result = trainer.run();
  if (!lead) return 0;  // process 0 reports
  const auto plural = [](std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  if (result.steps_run == 0) {
    std::printf("no step left to run: the run is at step %zu (%s completed)", result.steps,
                plural(result.epochs_completed, "epoch").c_str());
  } else {
    std::printf("trained %s", plural(result.steps_run, "step").c_str());
    if (result.steps_run != result.steps) std::printf(" (step %zu in all)", result.steps);
    std::printf(", %s completed, %.1f images/s, last loss %.6f", plural(result.epochs_completed, "epoch").c_str(),
                result.images_per_second, result.last_loss);
  }
  if (result.skipped)
    std::printf(", unreadable images skipped %s (--skip-unreadable, once per epoch each; log.jsonl counts them)",
                plural(result.skipped, "time").c_str());
  std::printf(", map %s\ncheckpoint: %s\nweights: %s\n", result.flipped ? "flipped by the orientation check" : "as predicted",
              result.checkpoint.c_str(), (o.out + "/model.safetensors").c_str());
  return 0;
}

}  // namespace

Run add_train(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand("train", "Train a C²AM model (no labels are used)");
  cmd->add_option("--data", o->data,
                  "Dataset: cub:DIR, imagenet:DIR, voc:DIR, voc-xml:DIR, folder:DIR, synthetic or synthetic:COUNT")
      ->required();
  cmd->add_option("--split", o->split, "Split of the dataset")->capture_default_str();
  cmd->add_option("--backbone", o->backbone, "resnet18, resnet34, resnet50 or resnet101")->capture_default_str();
  cmd->add_option("--strides", o->strides,
                  "Stage strides of layer1..layer4, e.g. 1,2,2,1 (the default: layer4 kept at layer3's resolution) "
                  "or 1,2,2,2 (torchvision's)")
      ->delimiter(',')
      ->check(CLI::IsMember({1, 2}));
  cmd->add_option("--stages", o->stages,
                  "Backbone stages whose features feed the head, concatenated, e.g. layer4,layer3 (the default); they "
                  "must share a resolution")
      ->delimiter(',')
      ->check(CLI::IsMember({"layer1", "layer2", "layer3", "layer4"}));
  cmd->add_option("--base-width", o->base_width, "Stem channels (64 for the standard networks)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--weights", o->weights, "Initial backbone weights (safetensors; fc.* ignored)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--weights-prefix", o->weights_prefix,
                  "Use only keys with this prefix, removed (default: module., encoder_q., module.encoder_q., "
                  "module.backbone. or backbone. when one of them makes the names match)");
  cmd->add_flag("--partial-weights", o->partial_weights,
                "Accept a weights file that lacks some backbone tensors (they stay random); refused otherwise");
  cmd->add_option("--recipe", o->recipe, "Settings of SPEC §3: cub, imagenet or voc")
      ->capture_default_str()
      ->check(CLI::IsMember({"cub", "imagenet", "voc"}));
  cmd->add_option("--preset", o->preset, "release (original scripts) or paper (appendix)")
      ->capture_default_str()
      ->check(CLI::IsMember({"release", "paper"}));
  cmd->add_option("--batch", o->batch, "Batch size (default: the recipe's)")->check(CLI::PositiveNumber);
  cmd->add_option("--epochs", o->epochs, "Epochs (default: the recipe's)")->check(CLI::PositiveNumber);
  cmd->add_option("--lr", o->lr, "Base learning rate (default: the recipe's)")->check(CLI::PositiveNumber);
  cmd->add_option("--alpha", o->alpha, "Rank-weighting strength (default: the recipe's)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--loss", o->loss_path,
                  "Loss implementation: fused kernels, composed ops, or automatic (fused on the GPU)")
      ->capture_default_str()
      ->check(CLI::IsMember({"automatic", "fused", "composed"}));
  cmd->add_option("--momentum", o->momentum, "SGD momentum (default: the preset's)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--nesterov", o->nesterov, "Nesterov momentum");
  cmd->add_option("--weight-decay", o->weight_decay, "Weight decay of the weight groups")->check(CLI::NonNegativeNumber);
  cmd->add_option("--schedule", o->schedule, "poly, cosine or constant (default: the preset's)")
      ->check(CLI::IsMember({"poly", "cosine", "constant"}));
  cmd->add_option("--resize", o->resize, "Resize side before the random crop")->check(CLI::PositiveNumber);
  cmd->add_option("--crop", o->crop, "Random crop side")->check(CLI::PositiveNumber);
  cmd->add_option("--device", o->device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of initialization, order and augmentation")->capture_default_str();
  cmd->add_option("--workers", o->workers, "Image decoding threads")->capture_default_str()->check(CLI::Range(0, 64));
  cmd->add_option("--out", o->out, "Output directory (checkpoint, log.jsonl, model.safetensors)")->capture_default_str();
  cmd->add_option("--checkpoint-every", o->checkpoint_every, "Steps between checkpoints (0: every epoch)");
  cmd->add_option("--max-steps", o->max_steps, "Stop after this many steps in all");
  cmd->add_flag("--resume", o->resume, "Continue from OUT/checkpoint.safetensors");
  cmd->add_flag("--overwrite", o->overwrite, "Replace an earlier run in --out (refused otherwise)");
  cmd->add_flag("--allow-changes", o->allow_changes,
                "With --resume: continue although data, split, seed, batch, transform or alpha differ from the "
                "checkpoint's (refused otherwise; the change is recorded)");
  cmd->add_flag("--skip-unreadable", o->skip_unreadable, "Leave out images that cannot be decoded (counted in the log)");
  cmd->add_flag("--no-progress", o->no_progress, "No progress bar");
  cmd->add_flag("--distributed", o->distributed,
                "Data parallel over the processes of mpirun/mpiexec (also on by itself when started by them); "
                "--batch is the global batch (docs/distributed.md)");
  cmd->add_flag("--no-overlap", o->no_overlap,
                "Data parallel: sum the gradients after backward instead of during it (same results)");
  return [o, cmd] {
    o->split_given = cmd->count("--split") > 0;
    return run_train(*o);
  };
}

}  // namespace c2am::cli
