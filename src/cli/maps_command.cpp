#include <cstdio>
#include <filesystem>
#include <memory>

#include "c2am/cuda/runtime.hpp"
#include "c2am/data/dataset.hpp"
#include "c2am/inference.hpp"
#include "c2am/io/npy.hpp"
#include "c2am/io/visualize.hpp"
#include "cli/commands.hpp"
#include "cli/output_paths.hpp"
#include "cli/sample_files.hpp"
#include "cli/split_option.hpp"
#include "train/progress.hpp"

namespace fs = std::filesystem;

namespace c2am::cli {

namespace {

struct MapsOptions {
  std::string weights, data, split = "test", out = "runs/maps", device = "cpu";
  int size = 448;
  bool no_png = false, no_progress = false;
  bool split_given = false;  // --split set on the command line
};

int run_maps(const MapsOptions& o) {
  const Device device = Device::parse(o.device);
  if (device.is_cuda() && !cuda::available())
    throw Error("--device " + o.device + ": CUDA is not available (" + cuda::availability().reason + ")");
  require_output_folder(o.out, "--out");
  const auto dataset =
      open_split_option(fs::is_directory(o.data) ? "folder:" + o.data : o.data, o.split, o.split_given, "--split").dataset;
  TrainedModel trained = load_trained_model(o.weights, device);
  train::ProgressBar bar("maps", dataset->size(), !o.no_progress);
  for (std::size_t i = 0; i < dataset->size(); ++i) {
    const Image image = dataset->load_image(i);
    const std::vector<float> map = activation_map(*trained.model, image, o.size, trained.flipped);
    const Sample& sample = dataset->sample(i);
    write_npy(output_file(o.out, sample, ".npy"), map, {image.height, image.width});
    if (!o.no_png) write_png(output_file(o.out, sample, ".png"), heatmap_overlay(image, map));
    bar.update(i + 1, "");
  }
  bar.finish();
  std::printf("wrote maps of %zu images to %s\n", dataset->size(), o.out.c_str());
  return 0;
}

}  // namespace

Run add_maps(CLI::App& app) {
  auto o = std::make_shared<MapsOptions>();
  CLI::App* cmd = app.add_subcommand("maps", "Activation maps of images as .npy arrays and PNG overlays: the raw "
                                              "sigmoid map at each image's size (not min-max normalized; box "
                                              "thresholds from `wsol eval` apply to `wsol boxes`, not to these)");
  cmd->add_option("--weights", o->weights, "model.safetensors or checkpoint.safetensors from training")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", o->data, "A folder of images, or a dataset spec (cub:DIR, synthetic, ...)")->required();
  cmd->add_option("--split", o->split, "Split, for datasets that have them")->capture_default_str();
  cmd->add_option("--size", o->size, "Input side the images are resized to")->capture_default_str()->check(CLI::Range(32, 4096));
  cmd->add_option("--out", o->out, "Output directory")->capture_default_str();
  cmd->add_option("--device", o->device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_flag("--no-png", o->no_png, "Only the .npy arrays");
  cmd->add_flag("--no-progress", o->no_progress, "No progress bar");
  return [o, cmd] {
    o->split_given = cmd->count("--split") > 0;
    return run_maps(*o);
  };
}

}  // namespace c2am::cli
