#include "c2am/train/trainer.hpp"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>
#include <nlohmann/json.hpp>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/dist/data_parallel.hpp"
#include "c2am/loss/contrastive.hpp"
#include "c2am/ops/ops.hpp"
#include "train/run_files.hpp"
#include "train/progress.hpp"

namespace fs = std::filesystem;

namespace c2am {

namespace {

constexpr const char* kCheckpointFormat = "c2am-checkpoint-1";

const char* orientation_name(OrientationCheck c) {
  return c == OrientationCheck::Wsol ? "wsol" : c == OrientationCheck::Wsss ? "wsss" : "none";
}
const char* schedule_name(Schedule s) {
  return s == Schedule::Poly ? "poly" : s == Schedule::Cosine ? "cosine" : "constant";
}

nlohmann::json describe(const TrainConfig& c) {
  return {{"dataset", c.dataset},
          {"split", c.split},
          {"depth", c.model.backbone.depth},
          {"base_width", c.model.backbone.base_width},
          {"strides", c.model.backbone.strides},
          {"stages", c.model.backbone.stages},
          {"seed", c.model.seed},
          {"weights", c.weights},
          {"partial_weights", c.partial_weights},
          {"epochs", c.epochs},
          {"batch_size", c.loader.batch_size},
          {"lr", c.lr},
          {"alpha", c.alpha},
          {"weight_decay", c.weight_decay},
          {"momentum", c.momentum},
          {"head_lr_scale", c.head_lr_scale},
          {"drop_last", c.loader.drop_last},
          {"nesterov", c.nesterov},
          {"schedule", schedule_name(c.schedule)},
          {"orientation", orientation_name(c.orientation)},
          {"resize", c.loader.transform.resize},
          {"crop", c.loader.transform.crop},
          {"loader_seed", c.loader.seed}};
}


}  // namespace

bool border_says_flip(const Tensor& map_in, OrientationCheck check) {
  if (check == OrientationCheck::None) return false;
  NoGradGuard no_grad;
  const Tensor map = map_in.detach().to(Device::cpu()).to(DType::Float64);
  c2am::check(map.dim() == 4 && map.size(1) == 1, "orientation check", "expected a map [N, 1, h, w], got ",
              map.describe());
  const std::int64_t h = map.size(2), w = map.size(3);
  if (check == OrientationCheck::Wsol) {
    // First image, binarized at 0.5; the four outermost rows and columns
    // (corners counted in both).
    const Tensor first = map.narrow(0, 0, 1);
    const auto on = [](double v) { return v > 0.5 ? 1.0 : 0.0; };
    double total = 0;
    for (std::int64_t x = 0; x < w; ++x) total += on(first.at({0, 0, 0, x})) + on(first.at({0, 0, h - 1, x}));
    for (std::int64_t y = 0; y < h; ++y) total += on(first.at({0, 0, y, 0})) + on(first.at({0, 0, y, w - 1}));
    return total / static_cast<double>(2 * (h + w)) > 0.5;
  }
  // WSSS: mean of the four border bands, 4 pixels wide (or the whole side).
  const std::int64_t band_h = std::min<std::int64_t>(4, h), band_w = std::min<std::int64_t>(4, w);
  const double top = mean(map.narrow(2, 0, band_h)).item(), bottom = mean(map.narrow(2, h - band_h, band_h)).item();
  const double left = mean(map.narrow(3, 0, band_w)).item(), right = mean(map.narrow(3, w - band_w, band_w)).item();
  return (top + bottom + left + right) / 4.0 > 0.5;
}

std::vector<ParamGroup> optimizer_groups(const Model& model, const TrainConfig& config) {
  const ParameterGroups g = model.parameter_groups();
  return {{"backbone weights", g.backbone_weights, 1.0, config.weight_decay},
          {"backbone biases", g.backbone_biases, 2.0, 0.0},
          {"head weights", g.head_weights, config.head_lr_scale, config.weight_decay},
          {"head biases", g.head_biases, 2.0 * config.head_lr_scale, 0.0}};
}

TrainConfig recipe(const std::string& name, const std::string& preset) {
  TrainConfig c;
  if (name == "cub") {
    c.loader.batch_size = 16, c.epochs = 20, c.lr = 1e-4, c.alpha = 0.05;
    c.loader.transform = {256, 224, true, Interpolation::Bilinear};
    c.orientation = OrientationCheck::Wsol;
  } else if (name == "imagenet") {
    c.loader.batch_size = 256, c.epochs = 5, c.lr = 1e-4, c.alpha = 0.25;
    c.loader.transform = {256, 224, true, Interpolation::Bilinear};
    c.orientation = OrientationCheck::Wsol;
  } else if (name == "voc") {
    c.loader.batch_size = 128, c.epochs = 10, c.lr = 1e-3, c.alpha = 0.25;
    c.loader.transform = {512, 448, true, Interpolation::Bilinear};
    c.orientation = OrientationCheck::Wsss;
  } else {
    throw Error("recipe: unknown '" + name + "' (expected cub, imagenet or voc)");
  }
  c.weight_decay = 1e-4;
  if (preset == "release") {
    // What the release runs: its get_parameter_groups() never recognises the
    // head's convolution, which lands in the ×1 group; its DataLoaders keep
    // the last partial batch (drop_last=False), so a CUB epoch at batch 16 is
    // 375 steps and the poly schedule counts them.
    c.momentum = 1e-4, c.nesterov = false, c.schedule = Schedule::Poly;
    c.head_lr_scale = 1.0;
    c.loader.drop_last = false;
  } else if (preset == "paper") {
    c.momentum = 0.9, c.nesterov = false, c.schedule = Schedule::Cosine;
    c.head_lr_scale = 10.0;
    c.loader.drop_last = true;
  } else {
    throw Error("recipe: unknown preset '" + preset + "' (expected release or paper)");
  }
  return c;
}

Trainer::Trainer(TrainConfig config) : config_(std::move(config)) {
  check(config_.epochs >= 1, "train", "epochs must be at least 1");
  check(!(config_.resume && config_.overwrite), "train",
        "--resume continues the run in the output folder and --overwrite replaces it: give one of them");
  check(config_.lr > 0 && std::isfinite(config_.lr), "train", "learning rate must be positive, got ", config_.lr);
  check(std::isfinite(config_.alpha), "train", "alpha must be finite");
}

TrainResult Trainer::run() {
  const auto dataset = open_dataset(config_.dataset, config_.split);
  return run(*dataset);
}

TrainResult Trainer::run(const Dataset& dataset) {
  const auto comm = config_.communicator ? config_.communicator : dist::single_process();
  const bool lead = comm->rank() == 0;  // writes the files and shows the progress
  const auto everywhere = [&](const std::function<void()>& action) { dist::on_every_process(*comm, action); };
  // A resumed run is compared with the checkpoint's configuration before
  // anything is built: another architecture, data or batch is refused.
  nlohmann::json history = nlohmann::json::array();
  everywhere([&] {
    if (config_.resume)
      history = train::check_resume(checkpoint_path(config_.output_dir), kCheckpointFormat, describe(config_),
                                    config_.allow_changes, lead ? on_note : nullptr);
  });
  // The output folder is checked before any weights are read.
  everywhere([&] {
    if (lead) train::require_new_or_continued_run(config_.output_dir, config_.resume, config_.overwrite, "train");
  });
  Model model(config_.model);
  everywhere([&] {
    if (!config_.weights.empty() && !config_.resume) {
      const std::string report = load_initial_weights(model, config_);
      if (on_note && lead) on_note(report);
    }
  });
  Sgd sgd(optimizer_groups(model, config_), {config_.momentum, config_.nesterov});
  LoaderConfig loader_config = config_.loader;
  loader_config.shard = static_cast<std::size_t>(comm->rank());
  loader_config.shards = static_cast<std::size_t>(comm->size());
  std::optional<Loader> loader_slot;
  everywhere([&] { loader_slot.emplace(dataset, loader_config); });
  Loader& loader = *loader_slot;
  everywhere([&] {
    if (lead) train::prepare_output_dir(config_.output_dir, config_.resume, config_.overwrite, "train");
  });
  const std::string checkpoint = checkpoint_path(config_.output_dir);
  const std::string log_path = config_.output_dir + "/log.jsonl";
  train::RunPosition at;
  at.extra["flipped"] = "0";
  everywhere([&] {
    if (config_.resume) {
      at = train::load_checkpoint(checkpoint, kCheckpointFormat, model,
                                  [&](const nn::NamedTensors& t) { sgd.load_state(t); });
      check(at.epoch < config_.epochs, "resume", checkpoint, " has completed ", at.epoch, " epoch(s) (", at.step,
            " steps); epochs ", config_.epochs, " leaves nothing to train. Give more epochs to continue it");
      if (lead) train::truncate_log(log_path, at.step);
    } else if (lead) {
      std::ofstream(log_path, std::ios::trunc);  // checked just below by opening it
    }
  });
  // Every process starts from process 0's weights.
  dist::broadcast_parameters(model, *comm);
  std::optional<dist::GradientReducer> reducer;
  if (comm->size() > 1 && config_.overlap_gradient_sum) reducer.emplace(model.named_parameters(), comm);
  std::ofstream log;
  everywhere([&] {
    if (!lead) return;
    log.open(log_path, std::ios::app);
    check(static_cast<bool>(log), "train", "cannot write ", log_path);
  });

  const std::size_t per_epoch = loader.batches_per_epoch();
  const std::size_t total_steps = config_.epochs * per_epoch;
  const std::size_t stop_at = config_.max_steps ? std::min(config_.max_steps, total_steps) : total_steps;
  model.train();
  TrainResult result;
  bool flipped = at.extra["flipped"] == "1";
  result.flipped = flipped;
  double images_seen = 0, seconds = 0;
  std::size_t steps_run = 0;  // by this call (a resumed run starts at the checkpoint's step)
  train::ProgressBar bar("train", stop_at, config_.progress && lead);
  bool saved_this_position = false;

  while (at.step < stop_at && at.epoch < config_.epochs) {
    loader.start_epoch(at.epoch, at.batch);
    while (at.step < stop_at) {
      const auto start = std::chrono::steady_clock::now();
      std::optional<Batch> batch;
      everywhere([&] { batch = loader.next(); });  // an unreadable image on one process stops all
      if (!batch) break;
      const Tensor images = batch->images.to(config_.model.device);
      const ModelOutput out = model.forward(images);
      const ContrastiveLossTerms terms =
          dist::contrastive_loss_global(out.fg, out.bg, config_.alpha, *comm, config_.loss_path);
      const double loss = terms.total.item();
      if (!std::isfinite(loss)) {
        throw Error("train: the loss became " + train::format_double(loss) + " at step " + std::to_string(at.step) +
                    " (epoch " + std::to_string(at.epoch) + ", batch " + std::to_string(at.batch) + "); " +
                    (fs::exists(checkpoint) ? "the last good checkpoint is " + checkpoint
                                            : std::string("no checkpoint was written yet")) +
                    ". Lower the learning rate or check the inputs.");
      }
      const double lr = scheduled_lr(config_.schedule, config_.lr, at.step, total_steps);
      sgd.zero_grad();
      terms.total.backward();
      if (reducer) {
        reducer->finish();
      } else {
        dist::all_reduce_gradients(model.named_parameters(), *comm);
      }
      sgd.step(lr);
      const double step_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto counts = comm->row_counts(static_cast<std::int64_t>(batch->indices.size()));
      const auto n = static_cast<double>(std::accumulate(counts.begin(), counts.end(), std::int64_t{0}));
      images_seen += n, seconds += step_seconds;
      ++steps_run;

      const bool last_of_epoch = at.batch + 1 == per_epoch;
      // The orientation check sees the maps of the whole global batch.
      if (last_of_epoch && at.epoch == 0 &&
          border_says_flip(comm->all_gather(out.map.detach().contiguous()), config_.orientation)) {
        flipped = true;
        at.extra["flipped"] = "1";
      }
      // Each term read once: on the GPU every item() waits for the device.
      const double bg_bg = terms.bg_bg.item(), bg_fg = terms.bg_fg.item(), fg_fg = terms.fg_fg.item();
      nlohmann::json entry = {{"step", at.step},
                              {"epoch", at.epoch},
                              {"batch", at.batch},
                              {"lr", lr},
                              {"loss", loss},
                              {"bg_bg", bg_bg},
                              {"bg_fg", bg_fg},
                              {"fg_fg", fg_fg},
                              {"images_per_s", n / step_seconds},
                              {"skipped", loader.skipped()}};
      everywhere([&] {
        if (!lead) return;
        log << entry.dump() << "\n" << std::flush;
        if (!log) throw Error("train: " + log_path + ": cannot write the log (" + std::strerror(errno) + ")");
      });
      if (on_step) on_step(at.step, terms);
      result.last_loss = loss;

      char detail[160];
      std::snprintf(detail, sizeof detail, "epoch %zu | %.1f img/s | loss %.4f (bg %.4f, bg-fg %.4f, fg %.4f)",
                    at.epoch + 1, images_seen / seconds, loss, bg_bg, bg_fg, fg_fg);
      ++at.step;
      if (last_of_epoch) {
        ++at.epoch, at.batch = 0;
      } else {
        ++at.batch;
      }
      bar.update(at.step, detail);
      saved_this_position = false;
      if (last_of_epoch || (config_.checkpoint_every && at.step % config_.checkpoint_every == 0)) {
        // A step can leave non-finite weights behind a finite loss; such a
        // state must not replace the last good checkpoint.
        check(train::all_finite(model), "train", "the weights became non-finite at step ", at.step - 1, "; ",
              fs::exists(checkpoint) ? "the last good checkpoint is " + checkpoint : "no checkpoint was written yet",
              ". Lower the learning rate or check the inputs.");
        everywhere([&] {
          if (lead) train::save_checkpoint(checkpoint, kCheckpointFormat, model, sgd.state(), at, describe(config_), history);
        });
        saved_this_position = true;
      }
      if (last_of_epoch) break;
    }
  }
  bar.finish();
  if (!saved_this_position) {
    check(train::all_finite(model), "train", "the weights became non-finite; ",
          fs::exists(checkpoint) ? "the last good checkpoint is " + checkpoint : "no checkpoint was written yet");
    everywhere([&] {
      if (lead) train::save_checkpoint(checkpoint, kCheckpointFormat, model, sgd.state(), at, describe(config_), history);
    });
  }
  everywhere([&] {
    if (!lead) return;
    save_weights(model, config_.output_dir + "/model.safetensors",
                 {{"flipped", flipped ? "1" : "0"},
                  {"config", describe(config_).dump()},
                  {"config_changes", history.dump()}});
  });
  result.steps = at.step;
  result.steps_run = steps_run;
  result.skipped = loader.skipped();
  result.epochs_completed = at.epoch;
  result.flipped = flipped;
  result.images_per_second = seconds > 0 ? images_seen / seconds : 0;
  result.checkpoint = checkpoint;
  return result;
}

}  // namespace c2am
