// `c2am wsol regressor train`, `c2am wsol classifier train` and the scoring
// behind `c2am wsol eval --regressor`.

#include "cli/second_stage_command.hpp"

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "c2am/cuda/runtime.hpp"
#include "c2am/wsol/evaluate.hpp"
#include "c2am/wsol/predictions.hpp"
#include "c2am/wsol/second_stage.hpp"
#include "c2am/wsol/second_stage_eval.hpp"
#include "cli/commands.hpp"
#include "cli/device_option.hpp"
#include "cli/output_paths.hpp"
#include "cli/sample_files.hpp"
#include "cli/split_option.hpp"
#include "cli/unreadable.hpp"
#include "io/atomic_file.hpp"
#include "train/progress.hpp"

namespace c2am::cli {

namespace {

struct StageOptions {
  std::string data, split = "train", boxes, backbone = "resnet50", weights, recipe = "cub", device = "cpu", out;
  std::int64_t base_width = 64, classes = 0;
  std::size_t batch = 0, epochs = 0, checkpoint_every = 0, max_steps = 0;
  double lr = 0;
  int workers = 2, crop = 0;
  std::uint64_t seed = 0;
  bool split_given = false, resume = false, overwrite = false, allow_changes = false, skip_unreadable = false,
       no_progress = false;
};

int depth_of(const std::string& backbone) {
  for (int depth : {18, 34, 50, 101})
    if (backbone == "resnet" + std::to_string(depth)) return depth;
  throw Error("--backbone must be resnet18, resnet34, resnet50 or resnet101, got '" + backbone + "'");
}

int run_training(wsol::SecondStageTask task, const StageOptions& o) {
  wsol::SecondStageConfig c = wsol::second_stage_recipe(task, o.recipe);
  c.dataset = o.data;
  c.split = resolve_split(o.data, o.split, o.split_given, "--split");
  c.pseudo_boxes = o.boxes;
  c.depth = depth_of(o.backbone);
  c.base_width = o.base_width;
  c.classes = o.classes;
  c.seed = o.seed;
  c.loader_seed = o.seed;
  c.weights = o.weights;
  c.device = device_option(o.device);
  if (o.batch) c.batch_size = o.batch;
  if (o.epochs) c.epochs = o.epochs;
  if (o.lr > 0) c.lr = o.lr;
  if (o.crop) c.crop = o.crop;
  c.workers = o.workers;
  c.skip_unreadable = o.skip_unreadable;
  if (!o.out.empty()) c.output_dir = o.out;
  c.checkpoint_every = o.checkpoint_every;
  c.max_steps = o.max_steps;
  c.resume = o.resume, c.overwrite = o.overwrite, c.allow_changes = o.allow_changes;
  c.progress = !o.no_progress;
  wsol::SecondStageTrainer trainer(c);
  trainer.on_note = print_note;
  const wsol::SecondStageResult r = trainer.run();
  if (r.steps_run == 0) {
    std::printf("no step left to run: the run is at step %zu (%zu epochs completed)\n", r.steps, r.epochs_completed);
  } else {
    std::printf("trained the %s %zu steps on %zu images, %zu epochs completed, %.1f images/s, last loss %.6f\n",
                wsol::task_name(task), r.steps_run, r.images, r.epochs_completed, r.images_per_second, r.last_loss);
  }
  if (r.skipped) std::printf("unreadable images skipped %zu times (--skip-unreadable)\n", r.skipped);
  std::printf("checkpoint: %s\nweights: %s\n", r.checkpoint.c_str(), r.model.c_str());
  return 0;
}

CLI::App* add_training_command(CLI::App* wsol, wsol::SecondStageTask task, StageOptions& o) {
  const bool regressor = task == wsol::SecondStageTask::regressor;
  CLI::App* group = wsol->add_subcommand(
      wsol::task_name(task), regressor ? "The second stage's box regressor (PSOL, as the release trains it)"
                                       : "The second stage's classifier (class for Top-1/Top-5 Loc)");
  group->require_subcommand(1);
  CLI::App* cmd = group->add_subcommand("train", regressor ? "Train the box regressor on pseudo boxes"
                                                           : "Train (fine-tune) a ResNet classifier on the labels");
  cmd->add_option("--data", o.data, "Dataset: cub:DIR, imagenet:DIR, voc-xml:DIR, folder:DIR or synthetic[:COUNT]")
      ->required();
  cmd->add_option("--split", o.split, "Split of the dataset")->capture_default_str();
  if (regressor)
    cmd->add_option("--boxes", o.boxes, "The pseudo boxes of this split: the JSON `c2am wsol boxes` writes")
        ->required()
        ->check(CLI::ExistingFile);
  else
    cmd->add_option("--classes", o.classes, "Number of classes (default: the dataset's)")->check(CLI::PositiveNumber);
  cmd->add_option("--backbone", o.backbone, "resnet18, resnet34, resnet50 or resnet101")->capture_default_str();
  cmd->add_option("--base-width", o.base_width, "Stem channels (64 for the standard networks)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--weights", o.weights,
                  "Initial weights (safetensors), e.g. torchvision's ImageNet ResNet after tools/convert_weights.py; "
                  "an fc of other shapes is left out")
      ->check(CLI::ExistingFile);
  cmd->add_option("--recipe", o.recipe, "cub or imagenet (docs/wsol.md lists their settings)")
      ->capture_default_str()
      ->check(CLI::IsMember({"cub", "imagenet"}));
  cmd->add_option("--batch", o.batch, "Batch size (default: the recipe's)")->check(CLI::PositiveNumber);
  cmd->add_option("--epochs", o.epochs, "Epochs (default: the recipe's)")->check(CLI::PositiveNumber);
  cmd->add_option("--lr", o.lr, "Base learning rate (default: the recipe's)")->check(CLI::PositiveNumber);
  cmd->add_option("--crop", o.crop, "Training crop side (default 224)")->check(CLI::PositiveNumber);
  cmd->add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of initialization, order and augmentation")->capture_default_str();
  cmd->add_option("--workers", o.workers, "Image decoding threads")->capture_default_str()->check(CLI::Range(0, 64));
  cmd->add_option("--out", o.out,
                  std::string("Output directory (checkpoint, log.jsonl, model.safetensors); default runs/") +
                      wsol::task_name(task));
  cmd->add_option("--checkpoint-every", o.checkpoint_every, "Steps between checkpoints (0: every epoch)");
  cmd->add_option("--max-steps", o.max_steps, "Stop after this many steps in all");
  cmd->add_flag("--resume", o.resume, "Continue from OUT/checkpoint.safetensors");
  cmd->add_flag("--overwrite", o.overwrite, "Replace an earlier run in --out (refused otherwise)");
  cmd->add_flag("--allow-changes", o.allow_changes,
                "With --resume: continue although data, split, seed, batch or transform differ (recorded)");
  cmd->add_flag("--skip-unreadable", o.skip_unreadable, "Leave out images that cannot be decoded (counted)");
  cmd->add_flag("--no-progress", o.no_progress, "No progress bar");
  return cmd;
}

}  // namespace

std::function<std::optional<int>()> add_second_stage_training(CLI::App* wsol) {
  auto regressor = std::make_shared<StageOptions>(), classifier = std::make_shared<StageOptions>();
  CLI::App* r = add_training_command(wsol, wsol::SecondStageTask::regressor, *regressor);
  CLI::App* c = add_training_command(wsol, wsol::SecondStageTask::classifier, *classifier);
  return [=]() -> std::optional<int> {
    if (r->parsed()) {
      regressor->split_given = r->count("--split") > 0;
      return run_training(wsol::SecondStageTask::regressor, *regressor);
    }
    if (c->parsed()) {
      classifier->split_given = c->count("--split") > 0;
      return run_training(wsol::SecondStageTask::classifier, *classifier);
    }
    return std::nullopt;
  };
}

int run_regressor_eval(const RegressorEvalRequest& q) {
  if (!q.classifier.empty() && !q.predictions.empty())
    throw Error("wsol eval: give --classifier (a model) or --predictions (a file), not both");
  require_output_file(q.out, "--out");
  const Device device = device_option(q.device);
  // Every input is read and checked before any image is.
  const wsol::ClassPredictions predictions =
      q.predictions.empty() ? wsol::ClassPredictions{} : wsol::read_class_predictions(q.predictions);
  wsol::SecondStageModel regressor = wsol::load_second_stage_model(q.regressor, wsol::SecondStageTask::regressor, device);
  wsol::SecondStageModel classifier;
  if (!q.classifier.empty())
    classifier = wsol::load_second_stage_model(q.classifier, wsol::SecondStageTask::classifier, device);
  const OpenedSplit opened = open_split_option(q.data, q.split, q.split_given, "--split");
  const Dataset& data = *opened.dataset;
  wsol::require_ground_truth_boxes(data);

  UnreadableImages unreadable(q.skip_unreadable);
  wsol::SecondStageEvalOptions options;
  options.device = device;
  options.resize = q.resize, options.crop = q.crop;
  check(q.crop <= q.resize, "wsol eval", "--crop ", q.crop, " must not exceed --resize ", q.resize);
  check(q.classifier_crop <= q.classifier_resize, "wsol eval", "--classifier-crop ", q.classifier_crop,
        " must not exceed --classifier-resize ", q.classifier_resize);
  options.classifier_resize = q.classifier_resize;
  options.classifier_crop = q.classifier_crop;
  if (q.skip_unreadable) options.on_unreadable = [&](std::size_t, const std::string& m) { unreadable.record(m); };
  const std::string split_label = opened.every_image ? "all images" : opened.split;
  train::ProgressBar bar("wsol eval (regressor) " + split_label, data.size(), q.progress);
  options.on_progress = [&](std::size_t done, std::size_t) { bar.update(done, ""); };
  const auto images = wsol::regress_boxes(static_cast<nn::BoxRegressor&>(*regressor.model), data, options);
  bar.finish();
  check(!images.empty(), "wsol eval", "no image of ", data.name(), " could be read");

  std::vector<std::vector<int>> top5;
  std::vector<std::size_t> indices;
  for (const auto& r : images) indices.push_back(r.index);
  if (classifier.model) {
    train::ProgressBar cls_bar("classifier " + split_label, indices.size(), q.progress);
    options.on_progress = [&](std::size_t done, std::size_t) { cls_bar.update(done, ""); };
    options.on_unreadable = nullptr;  // the regressor already read (or skipped) every image
    top5 = wsol::classify_top5(static_cast<nn::ResNetClassifier&>(*classifier.model), data, indices, options);
    cls_bar.finish();
  } else if (!predictions.empty()) {
    for (std::size_t i : indices) {
      const Sample& s = data.sample(i);
      const auto found = find_by_identity(predictions, s, q.predictions);
      if (found == predictions.end())
        throw Error("wsol eval: " + q.predictions + " has no prediction for " + s.id +
                    (s.image_path.empty() ? std::string() : " (" + s.image_path + ")"));
      top5.push_back(found->second);
    }
  }
  // Classes the dataset does not have are a mistake (1-based ids, another label order), not misses.
  const auto classes = static_cast<std::int64_t>(data.class_names().size());
  if (classes > 0) {
    if (classifier.model)
      check(classifier.classes == classes, "wsol eval", "--classifier ", q.classifier, " predicts ", classifier.classes,
            " classes but ", data.name(), " has ", classes);
    for (std::size_t k = 0; k < top5.size(); ++k)
      for (int c : top5[k])
        check(c < classes, "wsol eval", q.predictions, ": class ", c, " predicted for ", data.sample(indices[k]).id,
              " is not a class of ", data.name(), " (0 to ", classes - 1, "; class ids are 0-based)");
  }
  const wsol::LocalizationMetrics m = wsol::score_localization(images, data, top5);

  nlohmann::json per_image = nlohmann::json::array();
  for (std::size_t k = 0; k < images.size(); ++k) {
    const auto& r = images[k];
    nlohmann::json entry = {{"id", data.sample(r.index).id},
                            {"box", {r.box.x0, r.box.y0, r.box.x1, r.box.y1}},
                            {"iou", r.iou}};
    if (!top5.empty()) entry["top5"] = top5[k];
    per_image.push_back(entry);
  }
  nlohmann::json metrics = {
      {"split", opened.every_image ? "all (the dataset has no splits)" : opened.split},
      {"protocol", "release second stage (PSOL): square resize, centre crop, IoU > 0.5 without +1, class means"},
      {"images", m.images},
      {"classes", m.classes},
      {"gt_known_loc", m.gt_known_loc},
      {"gt_known_loc_image_mean", m.gt_known_loc_images},
      {"regressor", q.regressor},
      {"values", "fractions in [0, 1]"},
      {"resize", q.resize},
      {"crop", q.crop},
      {"box_coordinates", "pixels of the crop x crop evaluation crop, x1 = x0 + width"},
      {"skipped_unreadable", unreadable.messages()},
      {"per_image", per_image}};
  if (m.has_classes) {
    metrics["top1_loc"] = m.top1_loc, metrics["top5_loc"] = m.top5_loc;
    metrics["top1_loc_image_mean"] = m.top1_loc_images, metrics["top5_loc_image_mean"] = m.top5_loc_images;
    metrics["top1_cls"] = m.top1_cls, metrics["top5_cls"] = m.top5_cls;
    metrics["classes_from"] = q.classifier.empty() ? q.predictions : q.classifier;
  }
  io::write_text_atomically(q.out, metrics.dump(2) + "\n");
  unreadable.print_summary();
  std::printf("regressed boxes on %s (%zu images, %zu classes; resize %d, centre crop %d, IoU > 0.5; means over "
              "classes, as the release):\n",
              split_label.c_str(), m.images, m.classes, q.resize, q.crop);
  std::printf("  GT-known Loc %.2f%%", 100 * m.gt_known_loc);
  if (m.has_classes)
    std::printf(", Top-1 Loc %.2f%%, Top-5 Loc %.2f%% (Top-1 Cls %.2f%%, Top-5 Cls %.2f%%)", 100 * m.top1_loc,
                100 * m.top5_loc, 100 * m.top1_cls, 100 * m.top5_cls);
  std::printf("\n  over images: GT-known Loc %.2f%%", 100 * m.gt_known_loc_images);
  if (m.has_classes) std::printf(", Top-1 Loc %.2f%%, Top-5 Loc %.2f%%", 100 * m.top1_loc_images, 100 * m.top5_loc_images);
  if (m.has_classes && classes > 0 && classes <= 5)
    std::printf("\nnote: %s has %lld classes: Top-5 covers every class (Top-5 Loc = GT-known Loc)", data.name().c_str(),
                static_cast<long long>(classes));
  std::printf("\nmetrics: %s\n", q.out.c_str());
  return 0;
}

}  // namespace c2am::cli
