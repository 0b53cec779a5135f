// The saliency refinement of the background cues (wsss/refine.hpp).

#include "c2am/wsss/refine.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/core/error.hpp"
#include "c2am/data/loader.hpp"
#include "c2am/data/transforms.hpp"
#include "c2am/io/weights.hpp"
#include "c2am/loss/supervised.hpp"
#include "c2am/ops/ops.hpp"
#include "c2am/train/adam.hpp"
#include "c2am/wsss/cues.hpp"
#include "train/progress.hpp"
#include "train/run_files.hpp"
#include "train/wrapper_prefix.hpp"

namespace fs = std::filesystem;

namespace c2am::wsss {

namespace {

constexpr const char* kCheckpointFormat = "c2am-refine-checkpoint-1";
constexpr int kMinSide = 128;  // the 8×8 pooling of the 1/16 level

// ×2 until both sides reach kMinSide.
int upsampling_factor(int width, int height) {
  int factor = 1;
  while (std::min(width, height) * factor < kMinSide) factor *= 2;
  return factor;
}

nlohmann::json describe_net(const SaliencyNetConfig& n) {
  return {{"base_width", n.base_width}, {"convert", n.convert}, {"guidance", n.guidance},
          {"infos", n.infos},           {"pool_in", n.pool_in}, {"pool_out", n.pool_out}};
}

nlohmann::json describe(const RefineConfig& c) {
  return {{"dataset", c.dataset}, {"split", c.split},       {"cues", c.cues},
          {"net", describe_net(c.net)}, {"depth", 50}, {"base_width", c.net.base_width},
          {"seed", c.seed},        {"loader_seed", c.seed}, {"weights", c.weights},
          {"epochs", c.epochs},    {"accumulation", c.accumulation}, {"lr", c.lr},
          {"weight_decay", c.weight_decay}, {"hflip", c.hflip}};
}

// The cue of sample `s` as a label in [0, 1], mirrored and upsampled as its image.
std::vector<double> label_of(const std::vector<std::uint8_t>& cue, int width, int height, bool flip, int factor) {
  std::vector<double> label(cue.size());
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      label[static_cast<std::size_t>(y) * width + x] =
          cue[static_cast<std::size_t>(y) * width + (flip ? width - 1 - x : x)] / 255.0;
  if (factor == 1) return label;
  const Tensor up = resize_bilinear(from_vector<double>(label, {1, 1, height, width}, DType::Float64),
                                    static_cast<std::int64_t>(height) * factor, static_cast<std::int64_t>(width) * factor);
  return up.to_vector<double>();
}

// Initial backbone weights by torchvision name into base.resnet.*.
std::string load_backbone(SaliencyNet& net, const std::string& path) {
  const safetensors::NamedTensors file = safetensors::load(path);
  std::set<std::string> keys;
  std::size_t backbone = 0;
  for (const auto& [name, t] : net.state())
    if (name.rfind("base.resnet.", 0) == 0) keys.insert(name.substr(12)), ++backbone;
  LoadOptions o;
  o.strict = false;
  o.ignore = {"fc.*"};
  o.strip_prefix = train::detect_wrapper_prefix(file, keys, o);
  o.add_prefix = "base.resnet.";
  o.ignore = {"base.resnet.fc.*"};
  const LoadReport report = load_state(net, file, o, path);
  std::size_t missing = 0;
  for (const auto& key : report.missing) missing += key.rfind("base.resnet.", 0) == 0;
  check(missing == 0, "wsss refine", "--weights ", path, ": ", missing, " of ", backbone,
        " backbone tensors are not in the file: not a ResNet-50 with torchvision names?");
  return "weights " + path + ": the backbone's " + std::to_string(report.loaded) + " tensors loaded" +
         (o.strip_prefix.empty() ? "" : ", prefix '" + o.strip_prefix + "' stripped") +
         "; the head starts from N(0, 0.01)";
}

}  // namespace

RefineTrainer::RefineTrainer(RefineConfig config) : config_(std::move(config)) {
  check(config_.epochs >= 1, "wsss refine", "epochs must be at least 1");
  check(config_.accumulation >= 1, "wsss refine", "accumulation must be at least 1 image");
  check(config_.lr > 0 && std::isfinite(config_.lr), "wsss refine", "learning rate must be positive, got ", config_.lr);
  check(!config_.cues.empty(), "wsss refine", "the cues to learn from are needed (the folder `wsss cues` wrote)");
}

RefineResult RefineTrainer::run() {
  const auto dataset = open_dataset(config_.dataset, config_.split);
  return run(*dataset);
}

RefineResult RefineTrainer::run(const Dataset& data) {
  const RefineConfig& c = config_;
  // Every cue is read and checked (present, gray, 8-bit, the size of its
  // image) before anything is trained or written: a bad cue is not found hours into a run.
  check(fs::is_directory(c.cues), "wsss refine", "--cues ", c.cues, " is not a folder (the folder `wsss cues` wrote)");
  for (std::size_t i = 0; i < data.size(); ++i) {
    const Sample& s = data.sample(i);
    const std::string path = (fs::path(c.cues) / (s.id + ".png")).string();
    check(fs::exists(path), "wsss refine", "no cue ", path, " for image ", s.id,
          " (run `c2am wsss cues` on this split first)");
    std::optional<ImageSize> size = s.image_path.empty() ? std::nullopt : peek_image_size(s.image_path);
    if (!size) {
      try {
        const Image image = data.load_image(i);
        size = ImageSize{image.width, image.height};
      } catch (const Error&) {
        if (!c.skip_unreadable) throw;
        continue;  // left out of training when its turn comes, and counted
      }
    }
    (void)read_cue(path, size->width, size->height);
  }
  const nlohmann::json described = describe(c);
  nlohmann::json history = nlohmann::json::array();
  const std::string checkpoint = c.output_dir + "/checkpoint.safetensors";
  if (c.resume) {
    std::string advice = "Give the checkpoint's --width-divisor to continue it";
    if (fs::exists(checkpoint)) {
      const auto metadata = safetensors::read_metadata(checkpoint);
      const auto saved = nlohmann::json::parse(metadata.count("config") ? metadata.at("config") : "", nullptr, false);
      if (saved.is_object() && saved.value("base_width", std::int64_t{0}) > 0)
        advice = "Give the checkpoint's --width-divisor " + std::to_string(64 / saved.value("base_width", std::int64_t{64})) +
                 " to continue it";
    }
    history = train::check_resume(checkpoint, kCheckpointFormat, described, c.allow_changes, on_note, advice);
  }
  // The output folder is checked before any weights are read, made before the first write.
  train::require_new_or_continued_run(c.output_dir, c.resume, c.overwrite, "wsss refine");
  SaliencyNet net(c.net);
  if (!c.weights.empty() && !c.resume) {
    const std::string note = load_backbone(net, c.weights);
    if (on_note) on_note(note);
  }
  net.to(c.device);
  net.eval();  // BatchNorm frozen, as the release never leaves evaluation mode
  Adam adam({{"trained", net.trainable_parameters(), 1.0, c.weight_decay}});

  RefineResult result;
  LoaderConfig lc;
  lc.batch_size = 1, lc.drop_last = false, lc.workers = 1, lc.seed = c.seed, lc.skip_unreadable = c.skip_unreadable;
  lc.augment = [&](std::size_t index, Image image, Generator& gen) {
    const Sample& s = data.sample(index);
    const auto cue = read_cue((fs::path(c.cues) / (s.id + ".png")).string(), image.width, image.height);
    const bool flip = c.hflip && gen.uniform() < 0.5;
    const int factor = upsampling_factor(image.width, image.height);
    std::vector<double> label = label_of(cue, image.width, image.height, flip, factor);
    if (flip) image = hflip(image);
    if (factor > 1) image = resize(image, image.width * factor, image.height * factor, Interpolation::Bilinear);
    return AugmentedSample{std::move(image), std::move(label)};
  };
  lc.collate = [](const std::vector<Image>& images) { return to_saliency_input(images.at(0)); };
  Loader loader(data, lc);
  for (std::size_t i = 0; i < data.size(); ++i) {
    // Counted up front from the headers where the images are files.
    const Sample& s = data.sample(i);
    if (s.image_path.empty()) continue;
    if (const auto size = peek_image_size(s.image_path); size && std::min(size->width, size->height) < kMinSide)
      ++result.upsampled;
  }
  if (result.upsampled && on_note)
    on_note(std::to_string(result.upsampled) + " image(s) have a side under 128 pixels: upsampled ×2 for the network");

  train::prepare_output_dir(c.output_dir, c.resume, c.overwrite, "wsss refine");
  const std::string log_path = c.output_dir + "/log.jsonl";
  train::RunPosition at;
  if (c.resume) {
    at = train::load_checkpoint(checkpoint, kCheckpointFormat, net,
                                [&](const nn::NamedTensors& t) { adam.load_state(t); });
    check(at.epoch < c.epochs, "resume", checkpoint, " has completed ", at.epoch, " epoch(s); epochs ", c.epochs,
          " leaves nothing to train. Give more epochs to continue it");
    train::truncate_log(log_path, at.step);
    if (at.extra.count("adam_steps")) result.steps = std::stoull(at.extra.at("adam_steps"));
  } else {
    std::ofstream(log_path, std::ios::trunc);
  }
  std::ofstream log(log_path, std::ios::app);
  check(static_cast<bool>(log), "wsss refine", "cannot write ", log_path);
  const std::size_t total = c.epochs * data.size();
  const std::size_t stop_at = c.max_images ? std::min(c.max_images, total) : total;
  train::ProgressBar bar("wsss refine", stop_at, c.progress);
  const double scale = 1.0 / static_cast<double>(c.accumulation);
  const auto save = [&] {
    check(train::all_finite(net), "wsss refine", "the weights became non-finite; ",
          fs::exists(checkpoint) ? "the last good checkpoint is " + checkpoint : "no checkpoint was written yet");
    at.extra["adam_steps"] = std::to_string(result.steps);
    train::save_checkpoint(checkpoint, kCheckpointFormat, net, adam.state(), at, described, history);
  };
  while (at.step < stop_at && at.epoch < c.epochs) {
    loader.start_epoch(at.epoch, at.batch);
    adam.zero_grad();  // an epoch starts with no accumulated gradient (the release's zero_grad)
    std::size_t accumulated = 0;
    while (at.step < stop_at) {
      std::optional<Batch> batch = loader.next();
      if (!batch) break;
      const Tensor images = batch->images.to(c.device);
      const std::int64_t h = images.size(2), w = images.size(3);
      const Tensor label = from_vector<double>(batch->targets.at(0), {1, 1, h, w}, c.net.dtype).to(c.device);
      const Tensor loss = bce_with_logits_sum(net.forward(images), label, scale);
      const double value = loss.item();
      check(std::isfinite(value), "wsss refine", "the loss became ", train::format_double(value), " on image ",
            data.sample(batch->indices.at(0)).id, " (epoch ", at.epoch, "). Lower the learning rate or check the cues.");
      loss.backward();
      if (++accumulated == c.accumulation) {
        adam.step(c.lr);
        adam.zero_grad();
        accumulated = 0;
        ++result.steps;
      }
      log << nlohmann::json{{"step", at.step}, {"epoch", at.epoch}, {"image", data.sample(batch->indices.at(0)).id},
                            {"loss", value}, {"adam_steps", result.steps}}
                 .dump()
          << "\n"
          << std::flush;
      check(static_cast<bool>(log), "wsss refine", log_path, ": cannot write the log");
      if (on_image) on_image(at.step, value);
      result.last_loss = value;
      ++at.step;
      const bool last_of_epoch = at.batch + 1 == loader.batches_per_epoch();
      if (last_of_epoch) {
        ++at.epoch, at.batch = 0;
      } else {
        ++at.batch;
      }
      char detail[80];
      std::snprintf(detail, sizeof detail, "epoch %zu | loss %.1f | %zu Adam steps", at.epoch + (last_of_epoch ? 0 : 1),
                    value, result.steps);
      bar.update(at.step, detail);
      if (last_of_epoch) {
        // The accumulation restarts with the next epoch; resuming here is exact.
        save();
        break;
      }
    }
  }
  bar.finish();
  if (at.batch != 0 || !fs::exists(checkpoint)) save();  // stopped mid-epoch (max_images)
  if (result.steps == 0 && on_note)
    on_note("no Adam step was taken (" + std::to_string(at.step) + " images, fewer than the accumulation of " +
            std::to_string(c.accumulation) + "): the model is the initial network");
  result.model = c.output_dir + "/model.safetensors";
  save_weights(net, result.model, {{"config", described.dump()}, {"config_changes", history.dump()}});
  result.images_seen = at.step;
  result.epochs_completed = at.epoch;
  result.skipped = loader.skipped();
  result.checkpoint = checkpoint;
  return result;
}

std::vector<std::uint8_t> refined_cue(SaliencyNet& net, const Image& image, Device device) {
  net.eval();
  NoGradGuard no_grad;
  const int factor = upsampling_factor(image.width, image.height);
  const Image input = factor == 1 ? image : resize(image, image.width * factor, image.height * factor, Interpolation::Bilinear);
  Tensor logits = net.forward(to_saliency_input(input).to(device).to(net.config().dtype));
  if (factor > 1) logits = resize_bilinear(logits, image.height, image.width);
  const auto v = sigmoid(logits).to(Device::cpu()).to(DType::Float64).contiguous().to_vector<double>();
  std::vector<std::uint8_t> cue(v.size());
  // cv2.imwrite of 255 · sigmoid: saturate_cast, round half to even.
  for (std::size_t i = 0; i < v.size(); ++i) cue[i] = static_cast<std::uint8_t>(std::clamp(std::nearbyint(255.0 * v[i]), 0.0, 255.0));
  return cue;
}

std::unique_ptr<SaliencyNet> load_saliency_net(const std::string& path, Device device) {
  safetensors::Metadata metadata;
  const safetensors::NamedTensors tensors = safetensors::load(path, &metadata);
  const auto config = nlohmann::json::parse(metadata.count("config") ? metadata.at("config") : "", nullptr, false);
  check(!config.is_discarded() && config.is_object() && config.contains("net"), "wsss refine", path,
        " is not a model of `c2am wsss refine train` (no recorded network configuration)");
  SaliencyNetConfig n;
  try {
    const auto& j = config.at("net");
    n.base_width = j.at("base_width").get<std::int64_t>();
    n.convert = j.at("convert").get<std::array<std::int64_t, 5>>();
    n.guidance = j.at("guidance").get<std::int64_t>();
    n.infos = j.at("infos").get<std::array<std::int64_t, 4>>();
    n.pool_in = j.at("pool_in").get<std::array<std::int64_t, 5>>();
    n.pool_out = j.at("pool_out").get<std::array<std::int64_t, 5>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("wsss refine: " + path + ": its recorded network configuration is damaged (" + e.what() + ")");
  }
  auto net = std::make_unique<SaliencyNet>(n);
  LoadOptions options;
  if (metadata.count("format") && metadata.at("format") == kCheckpointFormat) {
    // A run's checkpoint: the network under "model.", beside Adam's state.
    options.strip_prefix = "model.";
    options.strict = false;
    const LoadReport report = load_state(*net, tensors, options, path);
    check(report.missing.empty(), "wsss refine", path, ": ", report.missing.size(), " network tensors missing");
  } else {
    load_state(*net, tensors, options, path);
  }
  net->to(device);
  net->eval();
  return net;
}

}  // namespace c2am::wsss
