// `c2am wsss refine train` (the saliency network on the CRF cues) and
// `c2am wsss refine infer` (refined cues, in the format `wsss eval --cues`
// reads).

#include "cli/refine_command.hpp"

#include <cstdio>
#include <memory>

#include "c2am/cuda/runtime.hpp"
#include "c2am/wsss/refine.hpp"
#include "cli/commands.hpp"
#include "cli/device_option.hpp"
#include "cli/output_paths.hpp"
#include "cli/sample_files.hpp"
#include "cli/split_option.hpp"
#include "cli/unreadable.hpp"
#include "train/progress.hpp"

namespace c2am::cli {

namespace {

struct RefineOptions {
  std::string data, split = "train", cues = "runs/wsss/cues", weights, model, device = "cpu", out;
  std::size_t epochs = 0, accumulation = 0, max_images = 0;
  double lr = 0;
  std::int64_t width_divisor = 1;
  std::uint64_t seed = 0;
  bool split_given = false, resume = false, overwrite = false, allow_changes = false, skip_unreadable = false,
       no_progress = false;
};

int run_train(const RefineOptions& o) {
  wsss::RefineConfig c;
  c.dataset = o.data;
  c.split = resolve_split(o.data, o.split, o.split_given, "--split");
  c.cues = o.cues;
  c.net = wsss::SaliencyNetConfig{}.scaled_down(o.width_divisor);
  c.net.seed = o.seed;
  c.seed = o.seed;
  c.weights = o.weights;
  c.device = device_option(o.device);
  if (o.epochs) c.epochs = o.epochs;
  if (o.accumulation) c.accumulation = o.accumulation;
  if (o.lr > 0) c.lr = o.lr;
  c.max_images = o.max_images;
  c.output_dir = o.out.empty() ? "runs/refine" : o.out;
  c.resume = o.resume, c.overwrite = o.overwrite, c.allow_changes = o.allow_changes;
  c.skip_unreadable = o.skip_unreadable;
  c.progress = !o.no_progress;
  wsss::RefineTrainer trainer(c);
  trainer.on_note = print_note;
  const wsss::RefineResult r = trainer.run();
  std::printf("trained on %zu images (%zu epochs completed), %zu Adam steps, last image's loss %.2f\n", r.images_seen,
              r.epochs_completed, r.steps, r.last_loss);
  if (r.skipped) std::printf("unreadable images skipped %zu times (--skip-unreadable)\n", r.skipped);
  std::printf("checkpoint: %s\nweights: %s\n", r.checkpoint.c_str(), r.model.c_str());
  return 0;
}

int run_infer(const RefineOptions& o) {
  const std::string out = o.out.empty() ? "runs/wsss/refined_cues" : o.out;
  require_output_folder(out, "--out");
  const Device device = device_option(o.device);
  const auto net = wsss::load_saliency_net(o.model, device);
  const OpenedSplit opened = open_split_option(o.data, o.split, o.split_given, "--split");
  const Dataset& data = *opened.dataset;
  UnreadableImages unreadable(o.skip_unreadable);
  train::ProgressBar bar("wsss refine infer", data.size(), !o.no_progress);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (const std::optional<Image> image = unreadable.load(data, i)) {
      const auto cue = wsss::refined_cue(*net, *image, device);
      write_gray_png(output_file(out, data.sample(i), ".png"), image->width, image->height, cue);
    }
    bar.update(i + 1, "");
  }
  bar.finish();
  unreadable.print_summary();
  std::printf("wrote refined cues of %zu images to %s (0 background ... 255 foreground; `wsss eval --cues %s`)\n",
              data.size() - unreadable.count(), out.c_str(), out.c_str());
  return 0;
}

void common(CLI::App* cmd, RefineOptions& o) {
  cmd->add_option("--data", o.data, "Dataset: voc:DIR, voc-xml:DIR, folder:DIR or synthetic[:COUNT]")->required();
  cmd->add_option("--split", o.split, "Split of the dataset")->capture_default_str();
  cmd->add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_flag("--skip-unreadable", o.skip_unreadable, "Leave out images that cannot be decoded (counted)");
  cmd->add_flag("--no-progress", o.no_progress, "No progress bar");
}

}  // namespace

std::function<std::optional<int>()> add_refine(CLI::App* wsss) {
  auto train = std::make_shared<RefineOptions>(), infer = std::make_shared<RefineOptions>();
  CLI::App* group = wsss->add_subcommand("refine", "The saliency network (PoolNet) that refines the background cues");
  group->require_subcommand(1);
  CLI::App* t = group->add_subcommand("train", "Train it on the cues of `wsss cues` (the release's recipe)");
  common(t, *train);
  t->add_option("--cues", train->cues, "The cues to learn from (the folder `wsss cues` wrote)")->capture_default_str();
  t->add_option("--weights", train->weights,
                "The backbone's initial weights: a ResNet-50 with torchvision names (tools/convert_weights.py)")
      ->check(CLI::ExistingFile);
  t->add_option("--epochs", train->epochs, "Epochs (default 9)")->check(CLI::PositiveNumber);
  t->add_option("--accumulation", train->accumulation, "Images per Adam step (default 10)")->check(CLI::PositiveNumber);
  t->add_option("--lr", train->lr, "Adam's learning rate (default 5e-5)")->check(CLI::PositiveNumber);
  t->add_option("--width-divisor", train->width_divisor,
                "Every channel count divided by this (1: PoolNet's network; larger for quick tries)")
      ->capture_default_str()
      ->check(CLI::IsMember({1, 2, 4, 8, 16, 32}));
  t->add_option("--seed", train->seed, "Seed of the head's initialization, the order and the flips")->capture_default_str();
  t->add_option("--max-images", train->max_images, "Stop after this many training images in all");
  t->add_option("--out", train->out, "Output directory (checkpoint, log.jsonl, model.safetensors); default runs/refine");
  t->add_flag("--resume", train->resume, "Continue from OUT/checkpoint.safetensors");
  t->add_flag("--overwrite", train->overwrite, "Replace an earlier run in --out (refused otherwise)");
  t->add_flag("--allow-changes", train->allow_changes, "With --resume: continue although the data or seed differ");
  CLI::App* i = group->add_subcommand("infer", "Refined cues (gray PNG per image, 255 foreground) from a trained network");
  common(i, *infer);
  i->add_option("--model", infer->model, "model.safetensors of `wsss refine train`")->required()->check(CLI::ExistingFile);
  i->add_option("--out", infer->out, "Output directory; default runs/wsss/refined_cues");
  return [=]() -> std::optional<int> {
    if (t->parsed()) {
      train->split_given = t->count("--split") > 0;
      return run_train(*train);
    }
    if (i->parsed()) {
      infer->split_given = i->count("--split") > 0;
      return run_infer(*infer);
    }
    return std::nullopt;
  };
}

}  // namespace c2am::cli
