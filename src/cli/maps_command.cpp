#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "c2am/cuda/runtime.hpp"
#include "c2am/data/dataset.hpp"
#include "c2am/inference.hpp"
#include "c2am/io/npy.hpp"
#include "c2am/io/visualize.hpp"
#include "cli/commands.hpp"
#include "cli/device_option.hpp"
#include "cli/output_paths.hpp"
#include "cli/sample_files.hpp"
#include "cli/split_option.hpp"
#include "cli/unreadable.hpp"
#include "train/progress.hpp"

namespace fs = std::filesystem;

namespace c2am::cli {

namespace {

struct MapsOptions {
  std::string weights, data, split = "test", out = "runs/maps", device = "cpu";
  int size = 448;
  bool no_png = false, no_progress = false, skip_unreadable = false;
  bool split_given = false;  // --split set on the command line
};

// Maps are written at full image size in float32: a very large picture costs
// memory and disk the user should hear about before waiting for it.
void warn_if_large(const Image& image, const Sample& sample) {
  constexpr std::int64_t kLargePixels = std::int64_t{1} << 25;  // 33.5 megapixels
  const std::int64_t pixels = static_cast<std::int64_t>(image.width) * image.height;
  if (pixels < kLargePixels) return;
  std::fprintf(stderr, "\nnote: %s is %dx%d (%.0f megapixels): its map is a %.2f GB float32 .npy at full size\n",
               sample.image_path.c_str(), image.width, image.height, pixels / 1e6, pixels * 4.0 / 1e9);
}

int run_maps(const MapsOptions& o) {
  const Device device = device_option(o.device);
  require_output_folder(o.out, "--out");
  require_outside_data(o.out, fs::is_directory(o.data) ? "folder:" + o.data : o.data);
  const auto dataset =
      open_split_option(fs::is_directory(o.data) ? "folder:" + o.data : o.data, o.split, o.split_given, "--split").dataset;
  TrainedModel trained = load_trained_model(o.weights, device);
  UnreadableImages unreadable(o.skip_unreadable);
  train::ProgressBar bar("maps", dataset->size(), !o.no_progress);
  for (std::size_t i = 0; i < dataset->size(); ++i) {
    const std::optional<Image> image = unreadable.load(*dataset, i);
    if (image) {
      warn_if_large(*image, dataset->sample(i));
      const std::vector<float> map = activation_map(*trained.model, *image, o.size, trained.flipped);
      const Sample& sample = dataset->sample(i);
      write_npy(output_file(o.out, sample, ".npy"), map, {image->height, image->width});
      if (!o.no_png) write_png(output_file(o.out, sample, ".png"), heatmap_overlay(*image, map));
    }
    bar.update(i + 1, "");
  }
  bar.finish();
  std::printf("wrote maps of %zu images to %s\n", dataset->size() - unreadable.count(), o.out.c_str());
  unreadable.print_summary();
  return 0;
}

}  // namespace

Run add_maps(CLI::App& app) {
  auto o = std::make_shared<MapsOptions>();
  CLI::App* cmd = app.add_subcommand("maps", "Activation maps of images as .npy arrays and PNG overlays: the raw "
                                              "sigmoid map at each image's size (not min-max normalized; box "
                                              "thresholds from `wsol eval` apply to `wsol boxes`, not to these). "
                                              "Maps are float32 at full image size: 4 bytes per pixel (a 16000x16000 "
                                              "picture gives a 1 GB .npy)");
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
  cmd->add_flag("--skip-unreadable", o->skip_unreadable, "Leave out images that cannot be decoded (counted and named)");
  return [o, cmd] {
    o->split_given = cmd->count("--split") > 0;
    return run_maps(*o);
  };
}

}  // namespace c2am::cli
