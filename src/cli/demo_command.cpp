#include <cstdio>
#include <memory>

#include "c2am/wsol/demo.hpp"
#include "cli/commands.hpp"

namespace c2am::cli {

namespace {

struct DemoOptions {
  std::string out = "runs/demo";
  bool quick = false, no_progress = false;
  std::uint64_t seed = 0;
};

int run_demo(const DemoOptions& o) {
  wsol::DemoConfig config;
  config.output_dir = o.out;
  config.seed = o.seed;
  config.progress = !o.no_progress;
  if (o.quick) {  // a smoke run: tiny splits, few epochs (numbers are not meaningful)
    config.train_images = 64, config.val_images = 16, config.test_images = 16;
    config.pretrain_epochs = 1, config.epochs = 1, config.batch_size = 16, config.second_stage_epochs = 1;
  }
  const wsol::DemoResult r = wsol::run_demo(config);
  std::printf("\n%-40s %14s\n", "test split", "GT-known Loc");
  std::printf("%-40s %13.1f%%\n", "C2AM (threshold chosen on validation)", 100 * r.gt_known);
  std::printf("%-40s %13.1f%%\n", "baseline: full-image box", 100 * r.baseline_full_image);
  std::printf("%-40s %13.1f%%\n", "baseline: centred box of mean GT size", 100 * r.baseline_center);
  std::printf("MaxBoxAccV2 %.1f%%, threshold %.2f\n", 100 * r.max_box_acc_v2, r.threshold);
  if (r.second_stage) {
    std::printf("\n%-40s %14s %10s\n", "second stage (release frame)", "GT-known Loc", "Top-1 Loc");
    std::printf("%-40s %13.1f%% %9.1f%%\n", "box regressor", 100 * r.regressor_gt_known, 100 * r.top1_loc);
    std::printf("%-40s %13.1f%%\n", "C2AM map boxes, same frame", 100 * r.map_boxes_gt_known);
    std::printf("classifier Top-1 %.1f%%\n", 100 * r.top1_cls);
  }
  std::printf("%.0f s in all\n", r.seconds);
  std::printf("report: %s\n", r.report.c_str());
  return 0;
}

}  // namespace

Run add_demo(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Synthetic data, CPU training, threshold on validation, evaluation on test, report (no downloads)");
  cmd->add_option("--out", o->out, "Output directory")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of data, initialization and order")->capture_default_str();
  cmd->add_flag("--quick", o->quick, "A seconds-long smoke run with tiny splits (for tests)");
  cmd->add_flag("--no-progress", o->no_progress, "No progress bars");
  return [o] { return run_demo(*o); };
}

}  // namespace c2am::cli
