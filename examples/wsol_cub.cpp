// Weakly supervised object localization on CUB-200-2011 with the public API,
// top to bottom:
//
//   1. train a C²AM model on the training images (no labels), or load one;
//   2. choose the box threshold on held-out images with boxes;
//   3. extract boxes for the test split and evaluate them.
//
// Usage: wsol_cub CUB_DIR [model.safetensors] [--backbone-weights resnet50.safetensors]
// Without a trained model it trains one with the `cub` recipe (slow on a CPU:
// use a GPU machine, or pass a model trained by `c2am train`).

#include <cstdio>
#include <string>

#include "c2am/c2am.hpp"

using namespace c2am;

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CUB_DIR [model.safetensors] [--backbone-weights FILE]\n", argv[0]);
    return 2;
  }
  const std::string cub = argv[1];
  std::string model_path = argc > 2 && argv[2][0] != '-' ? argv[2] : "";
  std::string backbone_weights;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--backbone-weights") backbone_weights = argv[i + 1];

  // 1. A model: trained here with the release's CUB recipe, or loaded.
  if (model_path.empty()) {
    TrainConfig config = recipe("cub", "release");  // batch 16, 20 epochs, lr 1e-4, alpha 0.05
    config.dataset = "cub:" + cub;
    config.split = "train";
    config.weights = backbone_weights;             // e.g. a torchvision ResNet-50 converted to safetensors
    config.weights_options.add_prefix = "backbone.";
    config.weights_options.ignore = {"backbone.fc.*"};
    config.output_dir = "runs/wsol_cub";
    Trainer(config).run();
    model_path = config.output_dir + "/model.safetensors";
  }
  TrainedModel trained = load_trained_model(model_path);

  // 2. The threshold, chosen on images that are not evaluated: here the
  // training split, whose boxes CUB also provides (they were not used to train).
  wsol::EvalOptions options;  // resize 480, centre crop 448, upsampled maps
  options.flipped = trained.flipped;
  const auto held_out = open_cub(cub, "train");
  const auto held_out_maps = wsol::compute_maps(*trained.model, *held_out, options);
  const wsol::Evaluator sweep = wsol::evaluate(held_out_maps, options.thresholds);
  const std::size_t best = wsol::best_index(sweep.gt_known());
  const double threshold = options.thresholds[best];
  std::printf("threshold %.2f (GT-known Loc %.2f%% on the training split)\n", threshold, 100 * sweep.gt_known()[best]);

  // 3. Boxes and metrics on the test split.
  const auto test = open_cub(cub, "test");
  const auto test_maps = wsol::compute_maps(*trained.model, *test, options);
  const wsol::Evaluator result = wsol::evaluate(test_maps, options.thresholds);
  for (std::size_t i = 0; i < 3 && i < test_maps.size(); ++i) {
    const Box in_crop = wsol::predicted_box(test_maps[i], threshold);
    const Box in_image = test_maps[i].geometry.to_original(in_crop);
    std::printf("%s: box (%.0f, %.0f, %.0f, %.0f)\n", test->sample(test_maps[i].index).image_path.c_str(), in_image.x0,
                in_image.y0, in_image.x1, in_image.y1);
  }
  std::printf("test: GT-known Loc %.2f%%, MaxBoxAccV2 %.2f%% (%zu images)\n", 100 * result.gt_known()[best],
              100 * result.max_box_acc_v2(), result.images());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "wsol_cub: %s\n", e.what());
  return 1;
}
