// `c2am wsss maps | cues | eval`: multi-scale maps of a dataset split,
// background cues from them (threshold + dense CRF), and mIoU of the cues
// (foreground/background) or of another method's CAMs refined with them
// (21 classes).

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "c2am/cuda/runtime.hpp"
#include "c2am/data/dataset.hpp"
#include "c2am/data/label_map.hpp"
#include "c2am/inference.hpp"
#include "c2am/io/npy.hpp"
#include "c2am/io/visualize.hpp"
#include "c2am/wsss/cues.hpp"
#include "c2am/wsss/maps.hpp"
#include "c2am/wsss/report.hpp"
#include "cli/commands.hpp"
#include "cli/device_option.hpp"
#include "cli/refine_command.hpp"
#include "cli/output_paths.hpp"
#include "cli/sample_files.hpp"
#include "cli/split_option.hpp"
#include "cli/unreadable.hpp"
#include "core/parallel.hpp"
#include "io/atomic_file.hpp"
#include "train/progress.hpp"

namespace fs = std::filesystem;

namespace c2am::cli {

namespace {

struct WsssOptions {
  std::string data, split = "train", weights, device = "cpu", maps, cues, cams, out, json;
  std::vector<double> scales{0.5, 1.0, 1.5, 2.0};
  wsss::CueOptions cue;
  std::size_t batch = 32;
  std::int64_t batch_pixels = 64000000;  // per batch, from the headers
  bool no_png = false, no_progress = false, skip_unreadable = false;
  bool split_given = false;  // --split set on the command line
};

std::unique_ptr<Dataset> open_split(const WsssOptions& o) {
  return open_split_option(fs::is_directory(o.data) ? "voc:" + o.data : o.data, o.split, o.split_given, "--split")
      .dataset;
}

// The map of a sample written by `wsss maps`, checked against the image size.
std::vector<float> read_map(const std::string& path, const Image& image) {
  check(fs::exists(path), "wsss", "no map ", path, " (run `c2am wsss maps` first)");
  Shape shape;
  std::vector<float> map = read_npy(path, shape);
  // Sizes as W×H, as every other message writes them.
  check(shape.size() == 2 && shape[0] == image.height && shape[1] == image.width, "wsss", path, " holds a ",
        shape.size() == 2 ? std::to_string(shape[1]) + "x" + std::to_string(shape[0]) + " map (W×H)"
                          : "map of shape " + shape_str(shape),
        " but its image is ", image.width, "x", image.height);
  for (std::size_t p = 0; p < map.size(); ++p)
    check(map[p] >= 0.0f && map[p] <= 1.0f, "wsss", path, " holds ", map[p], " at (x ", p % image.width, ", y ",
          p / image.width, "): a foreground map lies in [0, 1] (what `wsss maps` writes)");
  return map;
}

// A background cue written by `wsss cues` (or the release): 0 background,
// 255 foreground.
std::vector<std::uint8_t> read_cue(const std::string& path, const Image& image) {
  return wsss::read_cue(path, image.width, image.height);
}

int run_maps(const WsssOptions& o) {
  const Device device = device_option(o.device);
  require_output_folder(o.out, "--out");
  const auto dataset = open_split(o);
  TrainedModel trained = load_trained_model(o.weights, device);
  wsss::MultiScaleOptions options;
  options.scales = o.scales;
  options.flipped = trained.flipped;
  UnreadableImages unreadable(o.skip_unreadable);
  train::ProgressBar bar("wsss maps", dataset->size(), !o.no_progress);
  for (std::size_t i = 0; i < dataset->size(); ++i) {
    if (const std::optional<Image> image = unreadable.load(*dataset, i)) {
      const std::vector<float> map = wsss::multiscale_map(*trained.model, *image, options);
      write_npy(output_file(o.out, dataset->sample(i), ".npy"), map, {image->height, image->width});
      if (!o.no_png) write_png(output_file(o.out, dataset->sample(i), ".png"), heatmap_overlay(*image, map));
    }
    bar.update(i + 1, "");
  }
  bar.finish();
  std::printf("wrote multi-scale maps of %zu images to %s\n", dataset->size() - unreadable.count(), o.out.c_str());
  unreadable.print_summary();
  return 0;
}

int run_cues(const WsssOptions& o) {
  const Device device = device_option(o.device);
  require_output_folder(o.out, "--out");
  const auto dataset = open_split(o);
  UnreadableImages unreadable(o.skip_unreadable);
  train::ProgressBar bar("wsss cues", dataset->size(), !o.no_progress);
  struct Batch {
    std::size_t first = 0, last = 0;
    std::vector<std::size_t> samples;  // the readable ones, in order
    std::vector<Image> images;
    std::vector<std::vector<float>> maps;
  };
  const auto load = [&](std::size_t first) {
    Batch b;
    b.first = first;
    // At most --batch images, and at most --batch-pixels pixels in all as
    // their headers declare them: a batch is decoded and held at once.
    const std::size_t most = std::min(dataset->size(), first + o.batch);
    std::int64_t pixels = 0;
    for (b.last = first; b.last < most; ++b.last) {
      const std::string& path = dataset->sample(b.last).image_path;
      const std::optional<ImageSize> size = path.empty() ? std::nullopt : peek_image_size(path);
      const std::int64_t these = size ? static_cast<std::int64_t>(size->width) * size->height : 0;
      if (b.last > first && pixels + these > o.batch_pixels) break;
      pixels += these;
    }
    std::vector<std::optional<Image>> images(b.last - first);
    std::vector<std::vector<float>> maps(b.last - first);
    detail::parallel_for_each(first, b.last, [&](std::size_t i) {
      images[i - first] = unreadable.load(*dataset, i);
      if (images[i - first]) maps[i - first] = read_map(input_file(o.maps, dataset->sample(i), ".npy"), *images[i - first]);
    });
    for (std::size_t i = first; i < b.last; ++i) {
      if (!images[i - first]) continue;
      b.samples.push_back(i);
      b.images.push_back(std::move(*images[i - first]));
      b.maps.push_back(std::move(maps[i - first]));
    }
    return b;
  };
  // Batches: the next one is decoded (on all threads) while the CRFs of the
  // current one run together (one image per thread on the CPU, one batched
  // lattice on a GPU); cues are written on all threads.
  std::future<Batch> next = std::async(std::launch::async, load, std::size_t{0});
  while (true) {
    const Batch batch = next.get();
    if (batch.last < dataset->size()) next = std::async(std::launch::async, load, batch.last);
    const auto cues = batch.images.empty() ? std::vector<std::vector<std::uint8_t>>{}
                                           : wsss::background_cues(batch.images, batch.maps, o.cue, device);
    detail::parallel_for_each(std::size_t{0}, batch.samples.size(), [&](std::size_t k) {
      const Image& image = batch.images[k];
      write_gray_png(output_file(o.out, dataset->sample(batch.samples[k]), ".png"), image.width, image.height, cues[k]);
    });
    bar.update(batch.last, "");
    if (batch.last >= dataset->size()) break;
  }
  bar.finish();
  std::printf("wrote background cues of %zu images to %s\n", dataset->size() - unreadable.count(), o.out.c_str());
  unreadable.print_summary();
  return 0;
}

int run_eval(const WsssOptions& o) {
  if (!o.json.empty()) require_output_file(o.json, "--json");
  const auto dataset = open_split(o);
  wsss::ConfusionMatrix cues(2), refined(21);
  train::ProgressBar bar("wsss eval", dataset->size(), !o.no_progress);
  UnreadableImages unreadable(o.skip_unreadable);
  for (std::size_t i = 0; i < dataset->size(); ++i) {
    const std::optional<Image> loaded = unreadable.load(*dataset, i);
    if (!loaded) {
      bar.update(i + 1, "");
      continue;
    }
    const Image& image = *loaded;
    int width = 0, height = 0;
    const std::vector<std::uint8_t> truth = dataset->load_mask(i, width, height);
    check(width == image.width && height == image.height, "wsss eval", "the mask ", dataset->sample(i).mask_path, " is ", width, "x",
          height, " but its image is ", image.width, "x", image.height);
    const Sample& sample = dataset->sample(i);
    const std::vector<std::uint8_t> cue = read_cue(input_file(o.cues, sample, ".png"), image);
    cues.add(wsss::cue_labels(cue), wsss::foreground_truth(truth));
    if (!o.cams.empty()) {
      Shape shape;
      const std::string cam_path = input_file(o.cams, sample, ".npy");
      check(fs::exists(cam_path), "wsss eval", "no CAMs ", cam_path);
      const std::vector<float> cams = read_npy(cam_path, shape);
      const std::string ids_path = input_file(o.cams, sample, ".classes.txt");
      const std::vector<int> ids = wsss::read_class_ids(ids_path);
      for (int id : ids)
        check(id < refined.classes(), "wsss eval", ids_path, ": class id ", id, " is not a class of ", dataset->name(),
              " (ids 1 to ", refined.classes() - 1, ")");
      check(shape == Shape{static_cast<std::int64_t>(ids.size()), image.height, image.width}, "wsss eval", cam_path,
            " is ", shape_str(shape), " but ", ids.size(), " classes of a ", image.height, "x", image.width,
            " image were expected");
      refined.add(wsss::refine_cams(cue, cams, ids), truth);
    }
    bar.update(i + 1, "");
  }
  bar.finish();
  check(unreadable.count() < dataset->size(), "wsss eval", "no image of ", dataset->name(), " could be read");
  unreadable.print_summary();
  std::printf("background cues against the ground truth as foreground/background (%zu images):\n%s",
              dataset->size() - unreadable.count(), wsss::iou_table(cues, {"background", "foreground"}).c_str());
  std::vector<std::string> names{"background"};
  for (const std::string& n : dataset->class_names()) names.push_back(n);
  if (!o.cams.empty())
    std::printf("\nCAMs refined with the cues, 21 classes:\n%s", wsss::iou_table(refined, names).c_str());
  if (!o.json.empty()) {
    std::ostringstream json;
    json << "{\n\"images\": " << dataset->size() - unreadable.count() << ",\n\"skipped_unreadable\": "
         << nlohmann::json(unreadable.messages()).dump() << ",\n\"cues\": " << wsss::iou_json(cues, {"background", "foreground"});
    if (!o.cams.empty()) json << ",\n\"refined_cams\": " << wsss::iou_json(refined, names);
    json << "\n}\n";
    io::write_text_atomically(o.json, json.str());
    std::printf("wrote %s\n", o.json.c_str());
  }
  return 0;
}

void data_options(CLI::App* cmd, WsssOptions& o) {
  cmd->add_option("--data", o.data, "VOC directory (VOCdevkit/VOC2012) or dataset spec (voc:DIR, synthetic, ...)")
      ->required();
  cmd->add_option("--split", o.split, "Split (train, val, train_aug, ...)")->capture_default_str();
  cmd->add_flag("--no-progress", o.no_progress, "No progress bar");
  cmd->add_flag("--skip-unreadable", o.skip_unreadable, "Leave out images that cannot be decoded (counted and named)");
}

}  // namespace

Run add_wsss(CLI::App& app) {
  CLI::App* wsss_cmd = app.add_subcommand("wsss", "Segmentation: multi-scale maps, background cues, mIoU");
  wsss_cmd->require_subcommand(1);

  auto maps = std::make_shared<WsssOptions>();
  maps->out = "runs/wsss/maps";
  CLI::App* m = wsss_cmd->add_subcommand("maps", "Multi-scale maps (.npy H×W float32) and PNG overlays per image");
  data_options(m, *maps);
  m->add_option("--weights", maps->weights, "model.safetensors or checkpoint.safetensors from training")
      ->required()
      ->check(CLI::ExistingFile);
  m->add_option("--scales", maps->scales, "Scales of the image size")->capture_default_str()->delimiter(',');
  m->add_option("--device", maps->device, "cpu, cuda or cuda:N")->capture_default_str();
  m->add_option("--out", maps->out, "Output directory")->capture_default_str();
  m->add_flag("--no-png", maps->no_png, "Only the .npy arrays");

  auto cues = std::make_shared<WsssOptions>();
  cues->maps = "runs/wsss/maps";
  cues->out = "runs/wsss/cues";
  CLI::App* c = wsss_cmd->add_subcommand("cues", "Background cues (PNG, 255 foreground / 0 background) from maps");
  data_options(c, *cues);
  c->add_option("--maps", cues->maps, "Directory of `wsss maps` output")->capture_default_str();
  c->add_option("--threshold", cues->cue.threshold, "Foreground where map > threshold, before the CRF")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--iterations", cues->cue.iterations, "Mean-field iterations")->capture_default_str()->check(CLI::Range(0, 1000));
  c->add_option("--gt-prob", cues->cue.gt_prob, "Confidence of the thresholded labels")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 1.0));
  c->add_option("--device", cues->device, "cpu, cuda or cuda:N (the CRFs of a batch run together on the GPU)")
      ->capture_default_str();
  c->add_option("--batch", cues->batch, "Images per batch")->capture_default_str()->check(CLI::Range(1, 100000));
  c->add_option("--batch-pixels", cues->batch_pixels,
                "At most this many pixels per batch, from the images' headers (a batch is decoded and held in memory "
                "at once; about 40 bytes per pixel)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 34));
  c->add_option("--out", cues->out, "Output directory")->capture_default_str();

  auto eval = std::make_shared<WsssOptions>();
  eval->cues = "runs/wsss/cues";
  CLI::App* e = wsss_cmd->add_subcommand("eval", "mIoU of the cues (fg/bg) and of CAMs refined with them (21 classes)");
  data_options(e, *eval);
  e->add_option("--cues", eval->cues, "Directory of `wsss cues` output")->capture_default_str();
  e->add_option("--cams", eval->cams,
                "Another method's CAMs: <id>.npy (K×H×W float) and <id>.classes.txt (K class ids) per image");
  e->add_option("--json", eval->json, "Per-class IoU as JSON");

  const auto refine = add_refine(wsss_cmd);

  return [m, c, e, maps, cues, eval, refine] {
    if (const std::optional<int> status = refine()) return *status;
    if (m->parsed()) {
      maps->split_given = m->count("--split") > 0;
      return run_maps(*maps);
    }
    if (c->parsed()) {
      cues->split_given = c->count("--split") > 0;
      return run_cues(*cues);
    }
    eval->split_given = e->count("--split") > 0;
    return run_eval(*eval);
  };
}

}  // namespace c2am::cli
