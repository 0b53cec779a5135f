// The second WSOL stage's training loop (wsol/second_stage.hpp).

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "c2am/core/error.hpp"
#include "c2am/data/loader.hpp"
#include "c2am/loss/supervised.hpp"
#include "c2am/nn/pooled_resnet.hpp"
#include "c2am/wsol/pseudo_boxes.hpp"
#include "c2am/wsol/second_stage.hpp"
#include "c2am/wsol/stage2_recipe.hpp"
#include "io/weights_detail.hpp"
#include "train/progress.hpp"
#include "train/run_files.hpp"
#include "train/wrapper_prefix.hpp"

namespace fs = std::filesystem;

namespace c2am::wsol {

namespace {

constexpr const char* kCheckpointFormat = "c2am-second-stage-checkpoint-1";

// The samples of `parent` at `keep`, identities unchanged.
class SubsetDataset : public Dataset {
 public:
  SubsetDataset(const Dataset& parent, const std::vector<std::size_t>& keep)
      : Dataset(parent.name(), pick(parent, keep), parent.class_names()), parent_(parent), keep_(keep) {}
  Image load_image(std::size_t i) const override { return parent_.load_image(keep_.at(i)); }

 private:
  static std::vector<Sample> pick(const Dataset& parent, const std::vector<std::size_t>& keep) {
    std::vector<Sample> out;
    for (std::size_t i : keep) out.push_back(parent.sample(i));
    return out;
  }
  const Dataset& parent_;
  std::vector<std::size_t> keep_;
};

nlohmann::json describe(const SecondStageConfig& c, std::int64_t classes, const std::string& boxes_digest) {
  return {{"task", task_name(c.task)},
          {"pseudo_boxes_digest", boxes_digest},
          {"dataset", c.dataset},
          {"split", c.split},
          {"pseudo_boxes", c.pseudo_boxes},
          {"depth", c.depth},
          {"base_width", c.base_width},
          {"classes", classes},
          {"seed", c.seed},
          {"weights", c.weights},
          {"epochs", c.epochs},
          {"batch_size", c.batch_size},
          {"drop_last", c.drop_last},
          {"lr", c.lr},
          {"head_lr_multiplier", c.head_lr_multiplier},
          {"momentum", c.momentum},
          {"weight_decay", c.weight_decay},
          {"schedule", c.schedule == Schedule::Cosine ? "cosine" : c.schedule == Schedule::Poly ? "poly" : "constant"},
          {"crop", c.crop},
          {"crop_scale", {c.crop_options.min_scale, c.crop_options.max_scale}},
          {"crop_ratio", {c.crop_options.min_ratio, c.crop_options.max_ratio}},
          {"hflip", c.hflip},
          {"loader_seed", c.loader_seed}};
}

std::unique_ptr<nn::PooledResNet> make_model(const SecondStageConfig& c, std::int64_t classes) {
  nn::ResNetConfig backbone = nn::torchvision_resnet(c.depth);
  backbone.base_width = c.base_width;
  std::unique_ptr<nn::PooledResNet> model;
  if (c.task == SecondStageTask::regressor) {
    model = std::make_unique<nn::BoxRegressor>(backbone, c.seed);
  } else {
    model = std::make_unique<nn::ResNetClassifier>(backbone, classes, c.seed);
  }
  model->to(c.device);
  return model;
}

// Initial weights by name: the usual wrappers stripped, the head left out
// where the file has none or one of other shapes, every other tensor required.
std::string load_initial(nn::PooledResNet& model, const std::string& path) {
  const safetensors::NamedTensors file = safetensors::load(path);
  std::set<std::string> model_keys;
  std::map<std::string, Shape> shapes;
  for (const auto& [key, t] : model.state()) model_keys.insert(key), shapes[key] = t.shape();
  LoadOptions options;
  options.strict = false;
  options.strip_prefix = train::detect_wrapper_prefix(file, model_keys, options);
  bool head_differs = false;
  for (const auto& [key, t] : file) {
    if (key.rfind(options.strip_prefix, 0) != 0) continue;
    const std::string k = key.substr(options.strip_prefix.size());
    if (k.rfind("fc.", 0) == 0 && (!shapes.count(k) || shapes.at(k) != t.shape())) head_differs = true;
  }
  if (head_differs) options.ignore = {"fc.*"};
  const LoadReport report = load_state(model, file, options, path);
  // The head may be absent (a backbone file) or another one (an ImageNet fc):
  // it then starts from its initialization. Every other tensor must load.
  std::vector<std::string> missing;
  bool head_missing = false;
  for (const std::string& key : report.missing) {
    if (key.rfind("fc.", 0) == 0) {
      head_missing = true;
    } else {
      missing.push_back(key);
    }
  }
  check(missing.empty(), "second stage", "--weights ", path, ": ", missing.size(), " of ", model_keys.size(),
        " model tensors are not in the file (", io::key_list(missing),
        "): weights for another architecture? The model expects torchvision names such as conv1.weight");
  std::ostringstream note;
  note << "weights " << path << ": loaded " << report.loaded << " of " << model_keys.size() << " model tensors";
  if (!options.strip_prefix.empty()) note << ", prefix '" << options.strip_prefix << "' stripped";
  if (head_differs) {
    note << "; the file's fc.* (another head) left out: the head starts from its initialization";
  } else if (head_missing) {
    note << "; the file has no fc.*: the head starts from its initialization";
  }
  return note.str();
}

// The regressor's training targets: the pseudo boxes, corners rounded up to
// whole pixels as the release's loader does (math.ceil of box × size).
Box ceil_corners(Box b) {
  b.x0 = std::ceil(b.x0), b.y0 = std::ceil(b.y0), b.x1 = std::ceil(b.x1), b.y1 = std::ceil(b.y1);
  return b;
}

AugmentedSample augment_sample(const SecondStageConfig& c, Image image, const Box& box, std::vector<double> label,
                               Generator& gen) {
  const BoxCrop bc = random_resized_box_crop(image.width, image.height, box, gen, c.crop_options);
  Image out = resize(crop(image, bc.crop), c.crop, c.crop, Interpolation::Bilinear);
  Box64 target = bc.target;
  if (c.hflip && gen.uniform() < 0.5) {
    out = c2am::hflip(out);
    target = hflip(target);
  }
  if (!label.empty()) return {std::move(out), std::move(label)};
  const RegressionTarget t = to_xywh(target);
  return {std::move(out), {t.x, t.y, t.w, t.h}};
}

Tensor targets_tensor(const std::vector<std::vector<double>>& targets, Device device) {
  std::vector<double> flat;
  for (const auto& t : targets) flat.insert(flat.end(), t.begin(), t.end());
  const auto n = static_cast<std::int64_t>(targets.size());
  return from_vector(flat, {n, static_cast<std::int64_t>(flat.size()) / std::max<std::int64_t>(n, 1)},
                     {DType::Float32, device});
}

}  // namespace

const char* task_name(SecondStageTask task) { return task == SecondStageTask::regressor ? "regressor" : "classifier"; }

SecondStageConfig second_stage_recipe(SecondStageTask task, const std::string& name) {
  SecondStageConfig c;
  c.task = task;
  c.momentum = 0.9, c.weight_decay = 1e-4, c.schedule = Schedule::Cosine, c.crop = 224, c.drop_last = false;
  if (task == SecondStageTask::regressor) {
    c.head_lr_multiplier = 2.0, c.lr = 0.002;
    c.crop_options = {0.2, 1.0, 3.0 / 4, 4.0 / 3, 30};
    c.output_dir = "runs/regressor";
    if (name == "cub") {
      c.batch_size = 64, c.epochs = 100;
    } else if (name == "imagenet") {
      c.batch_size = 256, c.epochs = 20, c.lr = 0.002 * 256 / 256;
    } else {
      throw Error("second stage: unknown recipe '" + name + "' (expected cub or imagenet)");
    }
  } else {
    c.crop_options = {0.08, 1.0, 3.0 / 4, 4.0 / 3, 10};
    c.output_dir = "runs/classifier";
    if (name == "cub") {
      c.batch_size = 32, c.epochs = 30, c.lr = 0.01, c.head_lr_multiplier = 10.0;
    } else if (name == "imagenet") {
      c.batch_size = 256, c.epochs = 90, c.lr = 0.1, c.head_lr_multiplier = 1.0;
    } else {
      throw Error("second stage: unknown recipe '" + name + "' (expected cub or imagenet)");
    }
  }
  return c;
}

SecondStageTrainer::SecondStageTrainer(SecondStageConfig config) : config_(std::move(config)) {
  const SecondStageConfig& c = config_;
  check(c.epochs >= 1, "second stage", "epochs must be at least 1");
  check(c.batch_size >= 1, "second stage", "batch size must be at least 1");
  check(c.lr > 0 && std::isfinite(c.lr), "second stage", "learning rate must be positive, got ", c.lr);
  check(c.crop >= 1, "second stage", "crop must be positive, got ", c.crop);
  check(c.task == SecondStageTask::classifier || !c.pseudo_boxes.empty(), "second stage",
        "the regressor trains on pseudo boxes: give the JSON `c2am wsol boxes` writes (--boxes)");
}

SecondStageResult SecondStageTrainer::run() {
  const auto dataset = open_dataset(config_.dataset, config_.split);
  return run(*dataset);
}

SecondStageResult SecondStageTrainer::run(const Dataset& all) {
  const SecondStageConfig& c = config_;
  const bool regressor = c.task == SecondStageTask::regressor;
  SecondStageResult result;
  // Targets first: every input is checked before anything is trained or written.
  std::vector<std::size_t> keep;
  std::vector<Box> boxes;
  std::vector<int> labels;
  std::int64_t classes = c.classes;
  PseudoBoxes pseudo;
  if (regressor) {
    pseudo = read_pseudo_boxes(c.pseudo_boxes);
    const auto found = pseudo_boxes_for(pseudo, all, c.dataset, c.split);
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (!found[i]) {
        ++result.without_box;
        continue;
      }
      keep.push_back(i);
      boxes.push_back(ceil_corners(*found[i]));
    }
    check(!keep.empty(), "second stage", "every pseudo box in ", c.pseudo_boxes,
          " is null (no pixel above the threshold): nothing to train on");
    if (result.without_box && on_note)
      on_note(std::to_string(result.without_box) + " of " + std::to_string(all.size()) + " images of " + all.name() +
              " have no pseudo box (null in " + c.pseudo_boxes + ") and are left out of training");
  } else {
    if (classes == 0) classes = static_cast<std::int64_t>(all.class_names().size());
    check(classes >= 1, "second stage", all.name(), " names no classes: give the class count (--classes)");
    for (std::size_t i = 0; i < all.size(); ++i) {
      const Sample& s = all.sample(i);
      check(s.label >= 0, "second stage", all.name(), ": image ", s.id, " has no class label; the classifier needs one per image");
      check(s.label < classes, "second stage", all.name(), ": image ", s.id, " has label ", s.label,
            ", outside the ", classes, " classes");
      keep.push_back(i);
      labels.push_back(s.label);
    }
  }
  const SubsetDataset data(all, keep);
  result.images = data.size();

  const nlohmann::json described = describe(c, classes, pseudo.digest);
  nlohmann::json history = nlohmann::json::array();
  const std::string checkpoint = c.output_dir + "/checkpoint.safetensors";
  if (c.resume) {
    // A run of the other model is named as such before any option is compared.
    if (fs::exists(checkpoint)) {
      const auto saved = nlohmann::json::parse(
          safetensors::read_metadata(checkpoint).count("config") ? safetensors::read_metadata(checkpoint).at("config") : "",
          nullptr, false);
      if (saved.is_object() && saved.value("task", std::string(task_name(c.task))) != task_name(c.task))
        throw Error("resume: " + checkpoint + " is a " + saved.value("task", std::string()) + " run; continue it with "
                    "`c2am wsol " + saved.value("task", std::string()) + " train --resume`");
    }
    history = train::check_resume(checkpoint, kCheckpointFormat, described, c.allow_changes, on_note);
  }
  // The output folder is checked before any weights are read, made before the first write.
  train::require_new_or_continued_run(c.output_dir, c.resume, c.overwrite, "second stage");
  const std::unique_ptr<nn::PooledResNet> model = make_model(c, classes);
  if (!c.weights.empty() && !c.resume) {
    const std::string note = load_initial(*model, c.weights);
    if (on_note) on_note(note);
  } else if (!c.resume && on_note) {
    on_note("no --weights: the " + std::string(task_name(c.task)) + " starts from random weights (the release starts "
            "from torchvision's ImageNet ResNet-50)");
  }
  Sgd sgd(stage2_groups(*model, c.head_lr_multiplier, c.weight_decay), {c.momentum, false});

  LoaderConfig lc;
  lc.batch_size = c.batch_size;
  lc.drop_last = c.drop_last;
  lc.workers = c.workers;
  lc.seed = c.loader_seed;
  lc.skip_unreadable = c.skip_unreadable;
  lc.augment = [&](std::size_t index, Image image, Generator& gen) {
    if (regressor) {
      check_pseudo_box_image(pseudo, data.sample(index).id, image.width, image.height);
      return augment_sample(c, std::move(image), boxes[index], {}, gen);
    }
    Box whole;
    whole.x1 = static_cast<float>(image.width), whole.y1 = static_cast<float>(image.height);
    return augment_sample(c, std::move(image), whole, {static_cast<double>(labels[index])}, gen);
  };
  Loader loader(data, lc);
  train::prepare_output_dir(c.output_dir, c.resume, c.overwrite, "second stage");

  const std::string log_path = c.output_dir + "/log.jsonl";
  train::RunPosition at;
  if (c.resume) {
    at = train::load_checkpoint(checkpoint, kCheckpointFormat, *model, [&](const nn::NamedTensors& t) { sgd.load_state(t); });
    check(at.epoch < c.epochs, "resume", checkpoint, " has completed ", at.epoch, " epoch(s) (", at.step,
          " steps); epochs ", c.epochs, " leaves nothing to train. Give more epochs to continue it");
    train::truncate_log(log_path, at.step);
  } else {
    std::ofstream(log_path, std::ios::trunc);
  }
  std::ofstream log(log_path, std::ios::app);
  check(static_cast<bool>(log), "second stage", "cannot write ", log_path);

  const std::size_t per_epoch = loader.batches_per_epoch();
  const std::size_t total_steps = c.epochs * per_epoch;
  const std::size_t stop_at = c.max_steps ? std::min(c.max_steps, total_steps) : total_steps;
  model->train();
  double images_seen = 0, seconds = 0;
  train::ProgressBar bar(std::string("train ") + task_name(c.task), stop_at, c.progress);
  bool saved_this_position = false;
  const auto last_good = [&] {
    return fs::exists(checkpoint) ? "the last good checkpoint is " + checkpoint
                                  : std::string("no checkpoint was written yet");
  };
  while (at.step < stop_at && at.epoch < c.epochs) {
    loader.start_epoch(at.epoch, at.batch);
    while (at.step < stop_at) {
      const auto start = std::chrono::steady_clock::now();
      std::optional<Batch> batch = loader.next();
      if (!batch) break;
      const Tensor output = model->forward(batch->images.to(c.device));
      Tensor loss_tensor;
      if (regressor) {
        loss_tensor = regression_loss(output, targets_tensor(batch->targets, c.device));
      } else {
        std::vector<std::int64_t> batch_labels;
        for (const auto& t : batch->targets) batch_labels.push_back(static_cast<std::int64_t>(t.at(0)));
        loss_tensor = cross_entropy(output, batch_labels);
      }
      const double loss = loss_tensor.item();
      check(std::isfinite(loss), "second stage", "the loss became ", train::format_double(loss), " at step ", at.step,
            " (epoch ", at.epoch, ", batch ", at.batch, "); ", last_good(), ". Lower the learning rate or check the inputs.");
      const double lr = scheduled_lr(c.schedule, c.lr, at.step, total_steps);
      sgd.zero_grad();
      loss_tensor.backward();
      sgd.step(lr);
      const double step_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto n = static_cast<double>(batch->indices.size());
      images_seen += n, seconds += step_seconds;
      ++result.steps_run;
      log << nlohmann::json{{"step", at.step}, {"epoch", at.epoch}, {"batch", at.batch}, {"lr", lr}, {"loss", loss},
                            {"images_per_s", n / step_seconds}, {"skipped", loader.skipped()}}
                 .dump()
          << "\n"
          << std::flush;
      check(static_cast<bool>(log), "second stage", log_path, ": cannot write the log");
      if (on_step) on_step(at.step, loss);
      result.last_loss = loss;
      const bool last_of_epoch = at.batch + 1 == per_epoch;
      ++at.step;
      if (last_of_epoch) {
        ++at.epoch, at.batch = 0;
      } else {
        ++at.batch;
      }
      char detail[120];
      std::snprintf(detail, sizeof detail, "epoch %zu | %.1f img/s | loss %.4f", at.epoch + (last_of_epoch ? 0 : 1),
                    images_seen / seconds, loss);
      bar.update(at.step, detail);
      saved_this_position = false;
      if (last_of_epoch || (c.checkpoint_every && at.step % c.checkpoint_every == 0)) {
        check(train::all_finite(*model), "second stage", "the weights became non-finite at step ", at.step - 1, "; ",
              last_good(), ". Lower the learning rate or check the inputs.");
        train::save_checkpoint(checkpoint, kCheckpointFormat, *model, sgd.state(), at, described, history);
        saved_this_position = true;
      }
      if (last_of_epoch) break;
    }
  }
  bar.finish();
  if (!saved_this_position) {
    check(train::all_finite(*model), "second stage", "the weights became non-finite; ", last_good());
    train::save_checkpoint(checkpoint, kCheckpointFormat, *model, sgd.state(), at, described, history);
  }
  result.model = c.output_dir + "/model.safetensors";
  save_weights(*model, result.model,
               {{"task", task_name(c.task)}, {"config", described.dump()}, {"config_changes", history.dump()}});
  result.steps = at.step;
  result.epochs_completed = at.epoch;
  result.skipped = loader.skipped();
  result.images_per_second = seconds > 0 ? images_seen / seconds : 0;
  result.checkpoint = checkpoint;
  return result;
}

}  // namespace c2am::wsol
