// `c2am wsol eval | boxes | vis`: metrics of a trained model on a dataset,
// pseudo boxes for a split, and pictures of maps and boxes.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "c2am/cuda/runtime.hpp"
#include "c2am/data/transforms.hpp"
#include "c2am/inference.hpp"
#include "c2am/io/visualize.hpp"
#include "c2am/wsol/evaluate.hpp"
#include "c2am/wsol/predictions.hpp"
#include "cli/commands.hpp"
#include "cli/device_option.hpp"
#include "cli/output_paths.hpp"
#include "cli/second_stage_command.hpp"
#include "cli/sample_files.hpp"
#include "cli/split_option.hpp"
#include "cli/unreadable.hpp"
#include "cli/wsol_maps_eval.hpp"
#include "train/progress.hpp"
#include "io/atomic_file.hpp"

namespace fs = std::filesystem;

namespace c2am::cli {

namespace {

struct WsolOptions {
  std::string weights, maps, data, split, pick_on = "val", predictions, out, protocol = "wsolevaluation", device = "cpu";
  std::string regressor, classifier;  // wsol eval of the second stage
  int classifier_resize = 256, classifier_crop = 224;
  int input_size = 0;
  bool no_progress = false, skip_unreadable = false;
  bool pick_on_test = false;
  bool split_given = false, pick_on_given = false;  // set on the command line, not defaults
  bool resize_given = false, crop_given = false;
  bool maps_allowed = false;                        // wsol eval takes --maps instead of --weights
  double threshold = -1;
  int resize = 480, crop = 448;
  std::size_t limit = 0;
};

struct Loaded {
  TrainedModel model;
  wsol::EvalOptions options;
};

Loaded load(const WsolOptions& o) {
  if (o.weights.empty())
    throw Error("wsol: --weights is required (a model.safetensors from c2am train)" +
                std::string(o.maps_allowed ? "; or --maps DIR to score maps computed by any method" : ""));
  const Device device = device_option(o.device);
  Loaded l{load_trained_model(o.weights, device), {}};
  l.options.resize = o.resize;
  l.options.crop = o.crop;
  l.options.protocol = wsol::parse_protocol(o.protocol);
  l.options.flipped = l.model.flipped;
  return l;
}

// compute_maps with a progress bar on stderr.
std::vector<wsol::EvaluatedImage> maps_of(const Loaded& l, const Dataset& data, const std::string& title,
                                          const WsolOptions& o) {
  train::ProgressBar bar(title, data.size(), !o.no_progress);
  auto maps = wsol::compute_maps(*l.model.model, data, l.options,
                                 [&bar](std::size_t done, std::size_t) { bar.update(done, ""); });
  bar.finish();
  return maps;
}

// The predictions of each evaluated image, found by its identity (the path
// relative to the dataset root, with or without extension) or its full
// path; never by a partial name.
std::vector<std::vector<int>> predictions_of(const wsol::ClassPredictions& by_path, const std::string& file,
                                             const Dataset& dataset, const std::vector<wsol::EvaluatedImage>& images) {
  std::vector<std::vector<int>> out;
  for (const auto& image : images) {
    const Sample& s = dataset.sample(image.index);
    const auto found = find_by_identity(by_path, s, file);
    if (found == by_path.end())
      throw Error("wsol eval: " + file + " has no prediction for " + s.id +
                  (s.image_path.empty() ? std::string() : " (" + s.image_path + ")"));
    out.push_back(found->second);
  }
  return out;
}

// `wsol eval --regressor`: the options of the other two sources are refused
// rather than ignored.
int run_second_stage_eval(const WsolOptions& o) {
  if (!o.weights.empty() || !o.maps.empty())
    throw Error("wsol eval: --regressor scores the second stage's boxes; --weights and --maps score boxes cut from maps. "
                "Give one source");
  if (o.threshold >= 0 || o.pick_on_test || o.pick_on != "val" || o.input_size != 0 || o.protocol != "wsolevaluation")
    throw Error("wsol eval: --threshold, --pick-on, --pick-on-test, --input-size and --protocol describe boxes cut "
                "from maps; the regressor's boxes are scored as the release's second stage (docs/wsol.md)");
  RegressorEvalRequest request;
  request.regressor = o.regressor, request.classifier = o.classifier, request.predictions = o.predictions;
  request.data = o.data, request.split = o.split, request.out = o.out, request.device = o.device;
  request.split_given = o.split_given, request.progress = !o.no_progress, request.skip_unreadable = o.skip_unreadable;
  request.classifier_resize = o.classifier_resize, request.classifier_crop = o.classifier_crop;
  // The release's 256 → 224 unless given (a regressor trained at another crop).
  request.resize = o.resize_given ? o.resize : 256;
  request.crop = o.crop_given ? o.crop : 224;
  return run_regressor_eval(request);
}

int run_eval(const WsolOptions& o) {
  if (!o.regressor.empty()) return run_second_stage_eval(o);
  if (!o.classifier.empty()) throw Error("wsol eval: --classifier gives the classes of --regressor's boxes; give --regressor too");
  if (!o.maps.empty()) {
    if (!o.weights.empty()) throw Error("wsol eval: give --weights (maps from a c2am model) or --maps (maps from files), not both");
    if (!o.predictions.empty()) throw Error("wsol eval: --predictions needs --weights (Top-k Loc of a c2am model)");
    // Options that mean nothing here are refused rather than ignored.
    if (o.threshold >= 0)
      throw Error("wsol eval: --threshold applies to --weights; with --maps the sweep's best threshold is reported, "
                  "as both references do");
    if (o.pick_on_test || o.pick_on != "val")
      throw Error("wsol eval: with --maps the threshold is the best on the evaluated images, as both references "
                  "choose it; --pick-on and --pick-on-test apply to --weights");
    if (o.device != "cpu") throw Error("wsol eval: --device applies to --weights (no model runs with --maps)");
    const wsol::Protocol protocol = wsol::parse_protocol(o.protocol);
    if (protocol == wsol::Protocol::wsolevaluation && (o.resize != 480 || o.crop != 448))
      throw Error("wsol eval: --resize and --crop describe the release protocol's crop maps; under wsolevaluation "
                  "use --input-size");
    if (protocol == wsol::Protocol::release && o.input_size != 0)
      throw Error("wsol eval: --input-size applies to the wsolevaluation protocol");
    MapsEvalRequest request{o.maps, o.data, o.split, o.out, wsol::parse_protocol(o.protocol), o.input_size, o.resize,
                            o.crop, !o.no_progress, o.split_given, o.skip_unreadable};
    return run_maps_eval(request);
  }
  if (o.input_size != 0) throw Error("wsol eval: --input-size applies to --maps only");
  require_output_file(o.out, "--out");
  // Read before any map is computed.
  const wsol::ClassPredictions predictions =
      o.predictions.empty() ? wsol::ClassPredictions{} : wsol::read_class_predictions(o.predictions);
  // Both splits are checked before any map is computed.
  const OpenedSplit evaluated = open_split_option(o.data, o.split, o.split_given, "--split");
  wsol::require_ground_truth_boxes(*evaluated.dataset);
  // The threshold: given (--threshold), chosen on another split (--pick-on,
  // the default) or on the evaluated images (--pick-on-test, as the release).
  const bool fixed_threshold = o.threshold >= 0;
  if (o.pick_on_test && o.pick_on_given)
    throw Error("wsol eval: --pick-on " + o.pick_on + " chooses the threshold on another split and --pick-on-test on "
                "the evaluated one: give one of them");
  if (fixed_threshold && (o.pick_on_test || o.pick_on_given))
    throw Error("wsol eval: --threshold evaluates at the threshold given; --pick-on and --pick-on-test choose one. "
                "Give one of them");
  bool pick_every_image = false;
  const std::string pick_split =
      o.pick_on_test || fixed_threshold
          ? evaluated.split
          : resolve_split(o.data, o.pick_on, o.pick_on_given, "--pick-on", &pick_every_image);
  // A dataset without splits: the threshold can only come from the evaluated images, and the output says so.
  const bool pick_on_evaluated = o.pick_on_test || pick_every_image || fixed_threshold;
  const std::unique_ptr<Dataset> pick = pick_on_evaluated ? nullptr : open_dataset(o.data, pick_split);
  if (pick) wsol::require_ground_truth_boxes(*pick);
  Loaded l = load(o);
  UnreadableImages unreadable(o.skip_unreadable);
  if (o.skip_unreadable) l.options.on_unreadable = [&](std::size_t, const std::string& m) { unreadable.record(m); };
  const Dataset* const data = evaluated.dataset.get();
  const std::string split_label = evaluated.every_image ? "all images" : evaluated.split;
  const auto maps = maps_of(l, *data, "wsol eval " + split_label, o);
  std::vector<std::vector<int>> top5;
  if (!o.predictions.empty()) top5 = predictions_of(predictions, o.predictions, *data, maps);
  const std::vector<double> sweep = fixed_threshold ? std::vector<double>{o.threshold} : l.options.sweep();
  check(!maps.empty(), "wsol eval", "no image of ", data->name(), " could be read");
  const wsol::Evaluator result = wsol::evaluate(maps, sweep, top5);
  // The threshold: from another split (default), or from this one as the release does.
  std::vector<double> picking = result.gt_known();
  std::string picked_on = fixed_threshold     ? "given (--threshold)"
                          : o.pick_on_test    ? split_label + " (the evaluated images, as the release)"
                          : pick_on_evaluated ? "the evaluated images (the dataset has no splits)"
                                              : pick_split;
  if (pick_every_image)
    std::printf("note: %s has no splits: the threshold is chosen on the evaluated images, as --pick-on-test does; "
                "give the dataset val/test list files to choose it on other images (docs/inputs-and-outputs.md)\n",
                o.data.c_str());
  const std::string pick_label = fixed_threshold ? "given" : pick_on_evaluated ? split_label : pick_split;
  if (pick) {
    picking = wsol::evaluate(maps_of(l, *pick, "wsol eval " + pick_split, o), sweep).gt_known();
  }
  const std::size_t best = wsol::best_index(picking);
  nlohmann::json table = nlohmann::json::array();
  std::printf("%9s %14s %14s%s\n", "threshold", ("GT-known " + pick_label).c_str(), ("GT-known " + split_label).c_str(),
              top5.empty() ? "" : "     Top-1 Loc     Top-5 Loc");
  for (std::size_t i = 0; i < sweep.size(); ++i) {
    nlohmann::json row = {{"threshold", sweep[i]}, {"gt_known_loc_pick", picking[i]},
                          {"gt_known_loc", result.gt_known()[i]}};
    std::printf("%9.2f %13.2f%% %13.2f%%", sweep[i], 100 * picking[i], 100 * result.gt_known()[i]);
    if (!top5.empty()) {
      row["top1_loc"] = result.top1_loc()[i];
      row["top5_loc"] = result.top5_loc()[i];
      std::printf(" %12.2f%% %12.2f%%", 100 * result.top1_loc()[i], 100 * result.top5_loc()[i]);
    }
    std::printf("%s\n", i == best ? "  <- chosen" : "");
    table.push_back(row);
  }
  nlohmann::json metrics = {{"split", evaluated.every_image ? "all (the dataset has no splits)" : evaluated.split},
                            {"images", result.images()},
                            {"threshold", sweep[best]},
                            {"threshold_chosen_on", picked_on},
                            {"gt_known_loc", result.gt_known()[best]},
                            {"max_box_acc", {{"0.3", result.max_box_acc()[0]}, {"0.5", result.max_box_acc()[1]},
                                             {"0.7", result.max_box_acc()[2]}}},
                            {"box_acc_curves", {{"thresholds", wsol::box_acc_thresholds()},
                                                {"0.3", result.box_acc()[0]},
                                                {"0.5", result.box_acc()[1]},
                                                {"0.7", result.box_acc()[2]}}},
                            {"values", "fractions in [0, 1]"},
                            {"max_box_acc_v2", result.max_box_acc_v2()},
                            {"protocol", o.protocol},
                            {"skipped_unreadable", unreadable.messages()},
                            {"per_threshold", table}};
  if (!top5.empty()) metrics["top1_loc"] = result.top1_loc()[best], metrics["top5_loc"] = result.top5_loc()[best];
  io::write_text_atomically(o.out, metrics.dump(2) + "\n");
  unreadable.print_summary();
  // Every number with the images it came from and where its threshold came from.
  const std::string origin = fixed_threshold ? "given with --threshold" : "chosen on " + picked_on;
  std::printf("GT-known Loc on %s: %.2f%% at threshold %.2f (%s)", split_label.c_str(), 100 * result.gt_known()[best],
              sweep[best], origin.c_str());
  if (!top5.empty())
    std::printf(", Top-1 Loc %.2f%%, Top-5 Loc %.2f%%", 100 * result.top1_loc()[best], 100 * result.top5_loc()[best]);
  std::printf("; MaxBoxAccV2 on %s: %.2f%% (no threshold to choose)\nmetrics: %s\n", split_label.c_str(),
              100 * result.max_box_acc_v2(), o.out.c_str());
  return 0;
}

int run_boxes(const WsolOptions& o) {
  require_output_file(o.out, "--out");
  const OpenedSplit opened = open_split_option(o.data, o.split, o.split_given, "--split");
  const Dataset* const data = opened.dataset.get();
  Loaded l = load(o);
  UnreadableImages unreadable(o.skip_unreadable);
  if (o.skip_unreadable) l.options.on_unreadable = [&](std::size_t, const std::string& m) { unreadable.record(m); };
  const auto maps = maps_of(l, *data, "wsol", o);
  nlohmann::json images = nlohmann::json::array();
  std::size_t empty = 0;
  for (const auto& image : maps) {
    // No pixel above the threshold: null, not a point of the original image.
    const std::optional<Box> box = wsol::predicted_box_in_image(image, o.threshold);
    empty += !box;
    const int width = static_cast<int>(std::lround(l.options.resize / image.geometry.scale_x));
    const int height = static_cast<int>(std::lround(l.options.resize / image.geometry.scale_y));
    images.push_back({{"index", image.index},
                      {"id", data->sample(image.index).id},
                      {"path", data->sample(image.index).image_path},
                      {"width", width},
                      {"height", height},
                      {"box", box ? nlohmann::json({box->x0, box->y0, box->x1, box->y1}) : nlohmann::json(nullptr)}});
  }
  const nlohmann::json out = {{"threshold", o.threshold}, {"data", o.data}, {"split", opened.split}, {"weights", o.weights},
                              {"coordinates", "pixels of the original image, x1 = x0 + width; null: no pixel above the threshold"},
                              {"skipped_unreadable", unreadable.messages()},
                              {"images", images}};
  io::write_text_atomically(o.out, out.dump(1) + "\n");
  std::printf("wrote %zu boxes to %s\n", maps.size() - empty, o.out.c_str());
  unreadable.print_summary();
  if (empty) std::printf("note: %zu image(s) have no pixel above threshold %.2f: their box is null\n", empty, o.threshold);
  return 0;
}

int run_vis(const WsolOptions& o) {
  require_output_folder(o.out, "--out");
  require_outside_data(o.out, o.data);
  const OpenedSplit opened = open_split_option(o.data, o.split, o.split_given, "--split");
  const Dataset* const data = opened.dataset.get();
  Loaded l = load(o);
  UnreadableImages unreadable(o.skip_unreadable);
  if (o.skip_unreadable) l.options.on_unreadable = [&](std::size_t, const std::string& m) { unreadable.record(m); };
  const auto maps = maps_of(l, *data, "wsol", o);
  std::size_t written = 0;
  for (const auto& e : maps) {
    if (o.limit && written >= o.limit) break;
    const Image image = data->load_image(e.index);
    const Image input = crop(resize(image, l.options.resize, l.options.resize),
                             center_crop_box(l.options.resize, l.options.resize, l.options.crop));
    Image vis = heatmap_overlay(input, e.crop_map());
    for (const Box& g : e.gt) draw_box(vis, g, {40, 220, 40});
    draw_box(vis, wsol::predicted_box(e, o.threshold), {230, 30, 30});
    write_png(output_file(o.out, data->sample(e.index), ".png"), vis);
    ++written;
  }
  std::printf("wrote %zu pictures to %s\n", written, o.out.c_str());
  unreadable.print_summary();
  return 0;
}

void common(CLI::App* cmd, WsolOptions& o, const std::string& default_split) {
  o.split = default_split;
  cmd->add_option("--weights", o.weights, "model.safetensors or checkpoint.safetensors from training")
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", o.data, "Dataset spec: cub:DIR, imagenet:DIR, voc-xml:DIR, synthetic, ...")->required();
  cmd->add_option("--split", o.split, "Split to process")->capture_default_str();
  cmd->add_option("--resize", o.resize, "Test transform: resize side")->capture_default_str()->check(CLI::Range(16, 8192));
  cmd->add_option("--crop", o.crop, "Test transform: centre crop side")->capture_default_str()->check(CLI::Range(16, 8192));
  cmd->add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_flag("--no-progress", o.no_progress, "No progress bar");
  cmd->add_flag("--skip-unreadable", o.skip_unreadable, "Leave out images that cannot be decoded (counted and named)");
}

}  // namespace

Run add_wsol(CLI::App& app) {
  CLI::App* wsol_cmd = app.add_subcommand("wsol", "Localization: metrics, pseudo boxes, pictures");
  wsol_cmd->require_subcommand(1);
  auto eval = std::make_shared<WsolOptions>();
  CLI::App* e = wsol_cmd->add_subcommand("eval", "GT-known Loc per threshold, MaxBoxAccV2, Top-1/Top-5 Loc");
  common(e, *eval, "test");
  eval->out = "runs/wsol/metrics.json";
  eval->maps_allowed = true;
  e->add_option("--pick-on", eval->pick_on, "Split that chooses the threshold")->capture_default_str();
  e->add_flag("--pick-on-test", eval->pick_on_test, "Choose the threshold on the evaluated split (the release's way)");
  e->add_option("--threshold", eval->threshold,
                "Evaluate at this box threshold (one chosen on another split) instead of choosing one")
      ->check(CLI::Range(0.0, 1.0));
  e->add_option("--protocol", eval->protocol,
                 "wsolevaluation (bicubic-upsampled maps, IoU with +1, MaxBoxAccV2) or release (the C²AM "
                 "release's test: low-resolution map, IoU > 0.5)")
      ->capture_default_str()
      ->check(CLI::IsMember({"wsolevaluation", "release"}));
  e->add_option("--predictions", eval->predictions, "Classifier top-5 per image: 'path c1 c2 c3 c4 c5' lines")
      ->check(CLI::ExistingFile);
  e->add_option("--maps", eval->maps,
                 "Score maps of any method instead of --weights: a folder of .npy (H×W float32/float64 in [0, 1]) "
                 "named after the images (path.jpg.npy or path.npy, with or without their folders)")
      ->check(CLI::ExistingDirectory);
  e->add_option("--input-size", eval->input_size,
                "With --maps, wsolevaluation protocol: 0 scores at each image's size; N resizes images and boxes to "
                "N x N as wsolevaluation's end-to-end protocol (224)")
      ->capture_default_str()
      ->check(CLI::Range(0, 8192));
  e->add_option("--regressor", eval->regressor,
                "The second stage instead of --weights: a box regressor (model.safetensors of `wsol regressor "
                "train`), scored as the release's PSOL inference (Top-1/Top-5 Loc with --classifier or --predictions)")
      ->check(CLI::ExistingFile);
  e->add_option("--classifier", eval->classifier,
                "With --regressor: the classifier (model.safetensors of `wsol classifier train`, or a torchvision "
                "ResNet converted by tools/convert_weights.py)")
      ->check(CLI::ExistingFile);
  e->add_option("--classifier-resize", eval->classifier_resize, "The classifier's test resize (square)")
      ->capture_default_str()
      ->check(CLI::Range(1, 8192));
  e->add_option("--classifier-crop", eval->classifier_crop, "The classifier's test centre crop")
      ->capture_default_str()
      ->check(CLI::Range(1, 8192));
  e->add_option("--out,--json", eval->out, "Metrics JSON (fractions in [0, 1])")->capture_default_str();

  auto boxes = std::make_shared<WsolOptions>();
  CLI::App* b = wsol_cmd->add_subcommand("boxes", "Pseudo boxes of a split as one JSON file");
  common(b, *boxes, "train");
  boxes->out = "runs/wsol/boxes.json";
  b->add_option("--threshold", boxes->threshold, "Box threshold (e.g. from wsol eval)")->required()->check(CLI::Range(0.0, 1.0));
  b->add_option("--out", boxes->out, "Output JSON")->capture_default_str();

  auto vis = std::make_shared<WsolOptions>();
  CLI::App* v = wsol_cmd->add_subcommand("vis", "PNG per image: heatmap, predicted (red) and ground-truth (green) boxes");
  common(v, *vis, "test");
  vis->out = "runs/wsol/vis";
  v->add_option("--threshold", vis->threshold, "Box threshold")->required()->check(CLI::Range(0.0, 1.0));
  v->add_option("--limit", vis->limit, "At most this many pictures (0: all)");
  v->add_option("--out", vis->out, "Output directory")->capture_default_str();

  const auto second_stage = add_second_stage_training(wsol_cmd);

  return [e, b, v, eval, boxes, vis, second_stage] {
    if (const std::optional<int> status = second_stage()) return *status;
    if (e->parsed()) {
      eval->split_given = e->count("--split") > 0;
      eval->resize_given = e->count("--resize") > 0;
      eval->crop_given = e->count("--crop") > 0;
      eval->pick_on_given = e->count("--pick-on") > 0;
      return run_eval(*eval);
    }
    if (b->parsed()) {
      boxes->split_given = b->count("--split") > 0;
      return run_boxes(*boxes);
    }
    vis->split_given = v->count("--split") > 0;
    return run_vis(*vis);
  };
}

}  // namespace c2am::cli
