#pragma once
// The end-to-end WSOL demo (`c2am demo`, `make demo`): on a machine with no
// GPU and no downloads, generate the synthetic dataset, train a small C²AM
// model on the CPU, pick the box threshold on a validation split, evaluate
// on a held-out test split against two trivial baselines, and write a report.
//
// Like the paper's recipes, C²AM starts from a pretrained backbone; with no
// downloads the demo pretrains its tiny backbone itself, as a shape
// classifier on the synthetic training split (the only use of labels, the
// analogue of an ImageNet-supervised initialization). The C²AM stage uses no
// labels.
//
// The second stage follows (second_stage.hpp, as the release's PSOL): pseudo
// boxes of the training split at the chosen threshold, a box regressor and a
// classifier, both started from the pretrained backbone, scored on the test
// split in the release's frame (resize, centre crop) beside the map's own
// boxes in that frame.

#include <string>

namespace c2am::wsol {

struct DemoConfig {
  std::string output_dir = "runs/demo";
  std::size_t train_images = 512, val_images = 100, test_images = 200;
  int image_size = 96;
  std::int64_t base_width = 8;
  std::size_t pretrain_epochs = 24, epochs = 8, batch_size = 32;
  std::size_t second_stage_epochs = 12;  // 0 skips the second stage
  std::uint64_t seed = 0;
  bool progress = true;
};

struct DemoResult {
  double gt_known = 0, max_box_acc_v2 = 0, threshold = 0;
  double baseline_full_image = 0, baseline_center = 0;  // their GT-known Loc
  // The second stage, in its frame (class means, as the release).
  bool second_stage = false;
  double regressor_gt_known = 0, map_boxes_gt_known = 0, top1_loc = 0, top5_loc = 0, top1_cls = 0;
  double seconds = 0;
  std::string report;  // path of report.html
};

DemoResult run_demo(const DemoConfig& config);

}  // namespace c2am::wsol
