#include "c2am/wsol/demo.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/data/loader.hpp"
#include "c2am/inference.hpp"
#include "c2am/io/visualize.hpp"
#include "c2am/loss/supervised.hpp"
#include "c2am/ops/ops.hpp"
#include "c2am/train/trainer.hpp"
#include "c2am/wsol/evaluate.hpp"
#include "c2am/wsol/pseudo_boxes.hpp"
#include "c2am/wsol/second_stage.hpp"
#include "c2am/wsol/second_stage_eval.hpp"
#include "train/progress.hpp"
#include "wsol/report.hpp"
#include "io/atomic_file.hpp"

namespace fs = std::filesystem;

namespace c2am::wsol {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

nn::ResNetConfig demo_backbone(const DemoConfig& c) {
  nn::ResNetConfig b;
  b.depth = 18;
  b.base_width = c.base_width;
  // Output stride 8: 12×12 maps for 96-pixel images.
  b.strides = {1, 1, 2, 1};
  return b;
}

SyntheticConfig split(const DemoConfig& c, std::size_t count, std::uint64_t stream) {
  SyntheticConfig s;
  s.count = count;
  s.image_size = c.image_size;
  s.seed = c.seed * 16 + stream;  // disjoint streams for train, val and test
  return s;
}

TrainTransform train_transform(const DemoConfig& c) {
  return {c.image_size, c.image_size * 5 / 6, true, Interpolation::Bilinear};
}

// Shape classification with softmax cross-entropy; the classifier weights
// are dropped afterwards.
void pretrain_backbone(const DemoConfig& c, const Dataset& train, const std::string& path) {
  Generator gen(c.seed + 101);
  nn::ResNet net(demo_backbone(c), gen);
  const auto classes = static_cast<std::int64_t>(train.class_names().size());
  Tensor classifier = normal({net.feature_channels(), classes}, 0.0, 0.01, gen).set_requires_grad();
  nn::NamedTensors params = net.named_parameters();
  params.emplace_back("classifier", classifier);
  Sgd sgd({{"all", params, 1.0, 1e-4}}, {0.9, false});
  LoaderConfig lc;
  lc.batch_size = c.batch_size;
  lc.seed = c.seed + 7;
  lc.transform = train_transform(c);
  Loader loader(train, lc);
  const std::size_t total = c.pretrain_epochs * loader.batches_per_epoch();
  train::ProgressBar bar("pretrain", total, c.progress);
  std::size_t step = 0;
  for (std::size_t epoch = 0; epoch < c.pretrain_epochs; ++epoch) {
    loader.start_epoch(epoch);
    while (auto batch = loader.next()) {
      const Tensor logits = matmul(mean(net.forward(batch->images), {2, 3}), classifier);
      std::vector<std::int64_t> labels;
      for (std::size_t i : batch->indices) labels.push_back(train.sample(i).label);
      const Tensor loss = cross_entropy(logits, labels);
      sgd.zero_grad();
      loss.backward();
      sgd.step(scheduled_lr(Schedule::Cosine, 0.05, step, total));
      ++step;
      char detail[64];
      std::snprintf(detail, sizeof detail, "| shape classification loss %.3f", loss.item());
      bar.update(step, detail);
    }
  }
  bar.finish();
  save_weights(net, path);
}

nlohmann::json sweep_table(const std::vector<double>& thresholds, const std::vector<double>& accuracy) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < thresholds.size(); ++i) rows.push_back({{"threshold", thresholds[i]}, {"gt_known_loc", accuracy[i]}});
  return rows;
}

void write_json(const std::string& path, const nlohmann::json& value) {
  io::write_text_atomically(path, value.dump(2) + "\n");
}

struct SecondStageOutcome {
  LocalizationMetrics regressor, map_boxes;
  std::vector<RegressedImage> regressed;  // test images, in order
  double seconds = 0;
};

// The second stage's crop: the release trains at 224 of 256-pixel views; the
// demo at 5/6 of its image side, as its C²AM stage.
int second_stage_crop(const DemoConfig& c) { return c.image_size * 5 / 6; }

// Pseudo boxes of `train` from the C²AM maps at `threshold`, written as
// `c2am wsol boxes` writes them; then the regressor and the classifier.
SecondStageOutcome run_second_stage(const DemoConfig& c, Model& model, const EvalOptions& eo, double threshold,
                                    const Dataset& train, const Dataset& test,
                                    const std::vector<EvaluatedImage>& test_maps, const std::string& backbone) {
  const auto start = Clock::now();
  const auto train_maps = compute_maps(model, train, eo);
  nlohmann::json images = nlohmann::json::array();
  for (const auto& e : train_maps) {
    const std::optional<Box> box = predicted_box_in_image(e, threshold);
    images.push_back({{"index", e.index},
                      {"id", train.sample(e.index).id},
                      {"box", box ? nlohmann::json({box->x0, box->y0, box->x1, box->y1}) : nlohmann::json(nullptr)}});
  }
  const std::string boxes_path = c.output_dir + "/pseudo_boxes.json";
  write_json(boxes_path, {{"threshold", threshold}, {"split", "train"}, {"images", images}});

  const auto trained = [&](SecondStageTask task, double lr) {
    SecondStageConfig sc = second_stage_recipe(task, "cub");
    sc.depth = 18, sc.base_width = c.base_width, sc.crop = second_stage_crop(c);
    sc.batch_size = c.batch_size, sc.epochs = c.second_stage_epochs, sc.lr = lr;
    sc.head_lr_multiplier = task == SecondStageTask::regressor ? 2.0 : 1.0;
    sc.pseudo_boxes = boxes_path;
    sc.weights = backbone;  // the analogue of the release's ImageNet initialization
    sc.seed = c.seed, sc.loader_seed = c.seed + 11;
    sc.output_dir = c.output_dir + "/" + task_name(task);
    sc.overwrite = true, sc.progress = c.progress;
    return load_second_stage_model(SecondStageTrainer(sc).run(train).model, task);
  };
  std::printf("   the box regressor on the pseudo boxes\n");
  std::fflush(stdout);
  SecondStageModel regressor = trained(SecondStageTask::regressor, 0.02);
  std::printf("   the classifier\n");
  std::fflush(stdout);
  SecondStageModel classifier = trained(SecondStageTask::classifier, 0.02);

  SecondStageEvalOptions so;
  so.resize = c.image_size, so.crop = second_stage_crop(c);
  so.classifier_resize = c.image_size, so.classifier_crop = second_stage_crop(c);
  SecondStageOutcome out;
  out.regressed = regress_boxes(static_cast<nn::BoxRegressor&>(*regressor.model), test, so);
  std::vector<std::size_t> indices;
  for (const auto& r : out.regressed) indices.push_back(r.index);
  const auto top5 = classify_top5(static_cast<nn::ResNetClassifier&>(*classifier.model), test, indices, so);
  out.regressor = score_localization(out.regressed, test, top5);
  std::vector<std::optional<Box>> map_boxes(test.size());
  for (const auto& e : test_maps) map_boxes[e.index] = predicted_box_in_image(e, threshold);
  out.map_boxes = score_localization(boxes_in_eval_frame(test, map_boxes, so), test, top5);
  out.seconds = seconds_since(start);
  return out;
}

}  // namespace

DemoResult run_demo(const DemoConfig& c) {
  const auto start = Clock::now();
  std::error_code ec;
  fs::create_directories(c.output_dir + "/vis", ec);
  check(!ec, "demo", "cannot create ", c.output_dir, " (", ec.message(), ")");
  const auto train = make_synthetic(split(c, c.train_images, 1));
  const auto val = make_synthetic(split(c, c.val_images, 2));
  const auto test = make_synthetic(split(c, c.test_images, 3));
  std::printf("c2am demo: synthetic data (%zu train, %zu validation, %zu test images of %dx%d)\n", train->size(),
              val->size(), test->size(), c.image_size, c.image_size);

  // 1. The backbone's initialization (see demo.hpp).
  const std::string backbone = c.output_dir + "/backbone.safetensors";
  std::printf("1/5 pretraining the backbone (ResNet-18 layout, base width %lld) as a shape classifier\n",
              static_cast<long long>(c.base_width));
  std::fflush(stdout);
  pretrain_backbone(c, *train, backbone);
  const double pretrain_seconds = seconds_since(start);

  // 2. C²AM, no labels.
  std::printf("2/5 training C²AM (no labels)\n");
  std::fflush(stdout);
  TrainConfig tc;
  tc.dataset = "synthetic";  // unused: the dataset is passed below
  tc.model.backbone = demo_backbone(c);
  tc.model.seed = c.seed;
  tc.weights = backbone;
  tc.weights_options.add_prefix = "backbone.";
  tc.weights_options.strict = false;
  tc.loader.batch_size = c.batch_size;
  tc.loader.seed = c.seed + 3;
  tc.loader.transform = train_transform(c);
  tc.epochs = c.epochs;
  tc.lr = 0.005;
  tc.alpha = 0.05;
  tc.momentum = 0.9;
  tc.schedule = Schedule::Cosine;
  tc.output_dir = c.output_dir + "/train";
  tc.overwrite = true;  // the demo replaces its own earlier run
  tc.progress = c.progress;
  Trainer trainer(tc);
  const TrainResult trained = trainer.run(*train);
  const double train_seconds = seconds_since(start) - pretrain_seconds;

  // 3. Threshold on the validation split, metrics on the test split.
  std::printf("3/5 choosing the threshold on the validation split, evaluating on the test split\n");
  std::fflush(stdout);
  TrainedModel model = load_trained_model(tc.output_dir + "/model.safetensors");
  EvalOptions eo;
  eo.resize = c.image_size;
  eo.crop = c.image_size;
  eo.flipped = model.flipped;
  const auto val_maps = compute_maps(*model.model, *val, eo);
  const std::vector<double> sweep = eo.sweep();
  const Evaluator val_eval = evaluate(val_maps, sweep);
  const std::size_t best = best_index(val_eval.gt_known());
  const double threshold = sweep[best];
  const auto test_maps = compute_maps(*model.model, *test, eo);
  const Evaluator test_eval = evaluate(test_maps, sweep);
  const BaselineScores full = full_image_baseline(test_maps), center = center_baseline(test_maps);

  DemoResult result;
  result.threshold = threshold;
  result.gt_known = test_eval.gt_known()[best];
  result.max_box_acc_v2 = test_eval.max_box_acc_v2();
  result.baseline_full_image = full.gt_known;
  result.baseline_center = center.gt_known;

  // 4. The second stage.
  std::optional<SecondStageOutcome> second;
  if (c.second_stage_epochs > 0) {
    std::printf("4/5 the second stage: pseudo boxes of the training split, box regressor, classifier\n");
    std::fflush(stdout);
    second = run_second_stage(c, *model.model, eo, threshold, *train, *test, test_maps, backbone);
    result.second_stage = true;
    result.regressor_gt_known = second->regressor.gt_known_loc;
    result.map_boxes_gt_known = second->map_boxes.gt_known_loc;
    result.top1_loc = second->regressor.top1_loc;
    result.top5_loc = second->regressor.top5_loc;
    result.top1_cls = second->regressor.top1_cls;
  }

  // 5. Outputs.
  std::printf("5/5 writing metrics, pictures and the report\n");
  // The first test images, and the worst ones by IoU.
  const auto picture_of = [&](std::size_t i, const std::string& name) {
    const EvaluatedImage& e = test_maps[i];
    const Image image = test->load_image(e.index);
    Image vis = heatmap_overlay(image, e.crop_map(), 0.45f);
    for (const Box& g : e.gt) draw_box(vis, g, {40, 220, 40}, 1);
    const Box predicted = predicted_box(e, threshold);
    draw_box(vis, predicted, {230, 30, 30}, 1);
    // The regressor's box, moved from its evaluation crop onto the picture.
    if (second) {
      const Box regressed = box_in_original(second->regressed.at(e.index).box, image.width, image.height,
                                            c.image_size, second_stage_crop(c));
      draw_box(vis, regressed, {40, 90, 240}, 1);
    }
    const Image large = resize(vis, vis.width * 2, vis.height * 2, Interpolation::Bilinear);
    write_png(c.output_dir + "/vis/" + name + ".png", large);
    return ReportImage{large, best_iou({predicted}, e.gt)};
  };
  std::vector<ReportImage> pictures, worst;
  for (std::size_t i = 0; i < test_maps.size() && i < 16; ++i) pictures.push_back(picture_of(i, "test_" + std::to_string(i)));
  std::vector<std::pair<double, std::size_t>> by_iou;
  for (std::size_t i = 0; i < test_maps.size(); ++i)
    by_iou.emplace_back(best_iou({predicted_box(test_maps[i], threshold)}, test_maps[i].gt), i);
  std::stable_sort(by_iou.begin(), by_iou.end());
  for (std::size_t k = 0; k < by_iou.size() && k < 8; ++k)
    worst.push_back(picture_of(by_iou[k].second, "worst_" + std::to_string(k)));
  result.seconds = seconds_since(start);
  nlohmann::json metrics = {
      {"gt_known_loc", result.gt_known},
      {"max_box_acc_v2", result.max_box_acc_v2},
      {"max_box_acc", {{"0.3", test_eval.max_box_acc()[0]}, {"0.5", test_eval.max_box_acc()[1]},
                       {"0.7", test_eval.max_box_acc()[2]}}},
      {"threshold", threshold},
      {"threshold_chosen_on", "validation"},
      {"baseline_full_image", {{"gt_known_loc", full.gt_known}, {"max_box_acc_v2", full.max_box_acc_v2}}},
      {"baseline_center", {{"gt_known_loc", center.gt_known}, {"max_box_acc_v2", center.max_box_acc_v2}}},
      {"protocol", protocol_name(eo.protocol)},
      {"validation_sweep", sweep_table(sweep, val_eval.gt_known())},
      {"test_sweep", sweep_table(sweep, test_eval.gt_known())},
      {"images", {{"train", train->size()}, {"validation", val->size()}, {"test", test->size()}}},
      {"map_flipped", model.flipped},
      {"seconds", {{"pretraining", pretrain_seconds}, {"training", train_seconds}, {"total", result.seconds}}},
      {"training_images_per_second", trained.images_per_second}};
  if (second) {
    const auto scores = [](const LocalizationMetrics& m) {
      return nlohmann::json{{"gt_known_loc", m.gt_known_loc}, {"top1_loc", m.top1_loc}, {"top5_loc", m.top5_loc}};
    };
    metrics["second_stage"] = {
        {"frame", "release PSOL: images resized to " + std::to_string(c.image_size) + "x" + std::to_string(c.image_size) +
                      ", centre " + std::to_string(second_stage_crop(c)) + " crop, IoU > 0.5 without +1, class means"},
        {"regressor", scores(second->regressor)},
        {"map_boxes", scores(second->map_boxes)},
        {"top1_cls", second->regressor.top1_cls},
        {"top5_cls", second->regressor.top5_cls},
        {"epochs", c.second_stage_epochs},
        {"seconds", second->seconds}};
  }
  write_json(c.output_dir + "/metrics.json", metrics);
  result.report = c.output_dir + "/report.html";
  write_report(result.report, metrics, tc.output_dir + "/log.jsonl", pictures, worst);
  return result;
}

}  // namespace c2am::wsol
