// `c2am wsol eval --maps DIR` (see wsol_maps_eval.hpp). Map files are found
// by the image's path: DIR/<path>.npy (wsolevaluation's naming, extension
// kept) or DIR/<path without extension>.npy, for the file name alone or
// with its folders; exactly one file must match each image.

#include "cli/wsol_maps_eval.hpp"

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "c2am/data/dataset.hpp"
#include "c2am/io/npy.hpp"
#include "c2am/wsol/evaluate.hpp"
#include "cli/output_paths.hpp"
#include "cli/sample_files.hpp"
#include "cli/split_option.hpp"
#include "cli/unreadable.hpp"
#include "io/atomic_file.hpp"
#include "train/progress.hpp"

namespace fs = std::filesystem;

namespace c2am::cli {

namespace {

// Every file DIR could hold for the image, most specific last.
std::vector<fs::path> candidate_files(const fs::path& dir, const Sample& sample) {
  const std::string& image_path = sample.image_path;
  std::vector<fs::path> out{dir / (sample.id + ".npy")};
  if (image_path.empty()) return out;
  const fs::path path(image_path);
  std::vector<fs::path> parts(path.begin(), path.end());
  fs::path relative;
  for (auto part = parts.rbegin(); part != parts.rend() && !part->empty() && *part != "/"; ++part) {
    relative = relative.empty() ? *part : *part / relative;
    out.push_back(dir / (relative.string() + ".npy"));
    out.push_back(dir / fs::path(relative).replace_extension(".npy"));
  }
  return out;
}

fs::path map_file(const fs::path& dir, const Sample& sample, std::size_t index) {
  const std::string& image_path = sample.image_path;
  std::set<fs::path> found;
  const auto candidates = candidate_files(dir, sample);
  for (const fs::path& c : candidates)
    if (fs::is_regular_file(c)) found.insert(fs::weakly_canonical(c));
  const std::string image = image_path.empty() ? "image " + std::to_string(index) : image_path;
  if (found.size() == 1) return *found.begin();
  std::string tried;
  for (std::size_t i = 0; i < candidates.size() && i < 4; ++i) tried += (i ? ", " : "") + candidates[i].string();
  if (found.empty()) throw Error("wsol eval: no map for " + image + " in " + dir.string() + " (looked for " + tried + ")");
  std::string names;
  for (const auto& f : found) names += (names.empty() ? "" : ", ") + f.string();
  throw Error("wsol eval: several maps could be the map of " + image + ": " + names + "; keep one");
}

wsol::ScoreMap64 read_map(const fs::path& file) {
  Shape shape;
  std::vector<double> values = read_npy_f64(file.string(), shape);
  if (shape.size() == 3 && shape[0] == 1) shape.erase(shape.begin());  // a 1×H×W map
  if (shape.size() != 2 || shape[0] < 1 || shape[1] < 1)
    throw Error("wsol eval: " + file.string() + " holds an array of shape " + shape_str(shape) +
                "; a score map is H×W (or 1×H×W)");
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!(values[i] >= 0 && values[i] <= 1))
      throw Error("wsol eval: " + file.string() + " holds " + std::to_string(values[i]) + " at (y " +
                  std::to_string(i / static_cast<std::size_t>(shape[1])) + ", x " +
                  std::to_string(i % static_cast<std::size_t>(shape[1])) + "): score maps must lie in [0, 1]");
  return {static_cast<int>(shape[1]), static_cast<int>(shape[0]), std::move(values)};
}

nlohmann::json by_delta(const std::array<double, 3>& values) {
  return {{"0.3", values[0]}, {"0.5", values[1]}, {"0.7", values[2]}};
}

nlohmann::json curves_by_delta(const std::array<std::vector<double>, 3>& curves) {
  return {{"0.3", curves[0]}, {"0.5", curves[1]}, {"0.7", curves[2]}};
}

}  // namespace

int run_maps_eval(const MapsEvalRequest& r) {
  if (!fs::is_directory(r.maps_dir)) throw Error("wsol eval: --maps " + r.maps_dir + " is not a folder");
  if (!r.json_path.empty()) require_output_file(r.json_path, "--json");
  const OpenedSplit opened = open_split_option(r.data, r.split, r.split_given, "--split");
  const Dataset* const dataset = opened.dataset.get();
  if (dataset->size() == 0) throw Error("wsol eval: " + dataset->name() + " has no images");
  // Which image each map file was read for: a flat folder of maps named by
  // stem cannot serve cats/0001.jpg and dogs/0001.jpg both.
  std::map<fs::path, std::size_t> used;
  const auto map_of = [&](std::size_t i) {
    const fs::path file = map_file(r.maps_dir, dataset->sample(i), i);
    const auto [at, inserted] = used.emplace(file, i);
    if (!inserted)
      throw Error("wsol eval: " + file.string() + " would be the map of both " + dataset->sample(at->second).image_path +
                  " and " + dataset->sample(i).image_path + "; name maps after the images' paths below the dataset "
                  "root (" + dataset->sample(at->second).id + ".npy, " + dataset->sample(i).id + ".npy)");
    return read_map(file);
  };
  wsol::MapsEvalOptions options;
  options.protocol = r.protocol;
  options.input_size = r.input_size;
  options.resize = r.resize;
  options.crop = r.crop;
  UnreadableImages unreadable(r.skip_unreadable);
  if (r.skip_unreadable) options.on_unreadable = [&](std::size_t, const std::string& m) { unreadable.record(m); };
  train::ProgressBar bar("wsol eval --maps", dataset->size(), r.progress);
  const wsol::Evaluator result =
      wsol::evaluate_maps(*dataset, map_of, options, [&bar](std::size_t done, std::size_t) { bar.update(done, ""); });
  bar.finish();

  std::size_t unused = 0;
  for (const auto& entry : fs::recursive_directory_iterator(r.maps_dir))
    if (entry.is_regular_file() && entry.path().extension() == ".npy" && !used.count(fs::weakly_canonical(entry.path())))
      ++unused;

  const auto known = result.gt_known();
  const std::size_t best = wsol::best_index(known);
  const auto max_acc = result.max_box_acc();
  // The release's loop reports threshold 0 when no image is ever located (it
  // only moves on a strictly better count, from 0); wsolevaluation has no
  // such report, and the first best threshold is given.
  const bool never_located = r.protocol == wsol::Protocol::release && known[best] == 0;
  const double reported_threshold = never_located ? 0.0 : result.thresholds()[best];
  check(result.images() > 0, "wsol eval", "no image of ", dataset->name(), " could be read");
  unreadable.print_summary();
  std::printf("%s protocol, %zu images of %s\n", wsol::protocol_name(r.protocol), result.images(),
              dataset->name().c_str());
  std::printf("%-22s %8s %8s %8s\n", "", "IoU 0.3", "IoU 0.5", "IoU 0.7");
  std::printf("%-22s %7.2f%% %7.2f%% %7.2f%%\n", "MaxBoxAcc (multi-box)", 100 * max_acc[0], 100 * max_acc[1],
              100 * max_acc[2]);
  std::printf("MaxBoxAccV2 %.2f%%\n", 100 * result.max_box_acc_v2());
  std::printf("GT-known Loc %.2f%% at threshold %.2f (single box, chosen on these images)\n", 100 * known[best],
              reported_threshold);
  if (unused) std::printf("note: %zu .npy file(s) in %s matched no image of the split\n", unused, r.maps_dir.c_str());

  const nlohmann::json out = {
      {"protocol", wsol::protocol_name(r.protocol)},
      {"values", "fractions in [0, 1]"},
      {"dataset", dataset->name()},
      {"images", result.images()},
      {"maps", r.maps_dir},
      {"split", r.split},
      {"input_size", r.input_size},
      // resize and crop belong to the release's geometry only.
      {"resize", r.protocol == wsol::Protocol::release ? nlohmann::json(r.resize) : nlohmann::json()},
      {"crop", r.protocol == wsol::Protocol::release ? nlohmann::json(r.crop) : nlohmann::json()},
      {"max_box_acc_v2", result.max_box_acc_v2()},
      {"max_box_acc", by_delta(max_acc)},
      {"gt_known_loc", known[best]},
      {"gt_known_threshold", reported_threshold},
      {"curves",
       {{"box_acc_thresholds", wsol::box_acc_thresholds()},
        {"box_acc", curves_by_delta(result.box_acc())},
        {"single_box_thresholds", result.thresholds()},
        {"single_box_acc", curves_by_delta(result.single_box_acc())}}},
      {"unmatched_map_files", unused},
      {"skipped_unreadable", unreadable.messages()}};
  if (!r.json_path.empty()) {
    io::write_text_atomically(r.json_path, out.dump(1) + "\n");
    std::printf("metrics: %s\n", r.json_path.c_str());
  }
  return 0;
}

}  // namespace c2am::cli
