#include "c2am/wsss/cues.hpp"

#include <filesystem>

#include <algorithm>

#include <fstream>

#include "c2am/core/error.hpp"
#include "c2am/data/label_map.hpp"
#include "c2am/wsss/dense_crf.hpp"
#include "c2am/wsss/maps.hpp"

namespace c2am::wsss {

namespace {

// The two-label CRF problem of a cue: thresholded map as hard-label unaries.
CrfProblem cue_problem(const Image& image, const std::vector<float>& map, const CueOptions& o) {
  const std::size_t pixels = static_cast<std::size_t>(image.width) * image.height;
  check(map.size() == pixels, "background_cue", "map of ", map.size(), " values for a ", image.width, "x",
        image.height, " image");
  return {&image, unary_from_labels(threshold_cue(map, o.threshold), 2, o.gt_prob)};
}

std::vector<std::vector<std::uint8_t>> solve_cues(const std::vector<CrfProblem>& problems, const CueOptions& o,
                                                  Device device) {
  const auto q = dense_crf_batch(problems, 2, o.kernels, o.iterations, device);
  std::vector<std::vector<std::uint8_t>> cues(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) {
    cues[i] = DenseCRF::labels_of(q[i], 2);
    for (std::uint8_t& v : cues[i]) v = v ? 255 : 0;
  }
  return cues;
}

}  // namespace

std::vector<std::uint8_t> background_cue(const Image& image, const std::vector<float>& map, const CueOptions& o) {
  return solve_cues({cue_problem(image, map, o)}, o, Device::cpu())[0];
}

std::vector<std::vector<std::uint8_t>> background_cues(const std::vector<Image>& images,
                                                       const std::vector<std::vector<float>>& maps,
                                                       const CueOptions& o, Device device) {
  check(images.size() == maps.size(), "background_cues", images.size(), " images but ", maps.size(), " maps");
  std::vector<CrfProblem> problems;
  for (std::size_t i = 0; i < images.size(); ++i) problems.push_back(cue_problem(images[i], maps[i], o));
  return solve_cues(problems, o, device);
}

std::vector<std::uint8_t> foreground_truth(const std::vector<std::uint8_t>& mask) {
  std::vector<std::uint8_t> out(mask.size());
  for (std::size_t i = 0; i < mask.size(); ++i) out[i] = mask[i] == 255 ? 255 : (mask[i] == 0 ? 0 : 1);
  return out;
}

std::vector<std::uint8_t> read_cue(const std::string& path, int width, int height) {
  check(std::filesystem::exists(path), "wsss", "no cue ", path, " (run `c2am wsss cues` first)");
  const LabelMap png = read_label_png(path);
  check(!png.colour, "wsss", path, " is a colour picture; a cue is a gray PNG (0 background, 255 foreground)");
  check(png.width == width && png.height == height, "wsss", path, " is ", png.width, "x", png.height,
        " but its image is ", width, "x", height);
  std::vector<std::uint8_t> cue(png.ids.size());
  for (std::size_t p = 0; p < cue.size(); ++p) {
    const std::uint16_t v = png.ids[p];
    check(v <= 255, "wsss", path, ": pixel (x ", p % png.width, ", y ", p / png.width, ") holds ", v,
          "; a cue holds 0 (background) to 255 (foreground)");
    cue[p] = static_cast<std::uint8_t>(v);
  }
  return cue;
}

std::vector<std::uint8_t> cue_labels(const std::vector<std::uint8_t>& cue) {
  std::vector<std::uint8_t> out(cue.size());
  for (std::size_t i = 0; i < cue.size(); ++i) out[i] = cue[i] >= 128 ? 1 : 0;
  return out;
}

std::vector<std::uint8_t> refine_cams(const std::vector<std::uint8_t>& cue, const std::vector<float>& cams,
                                      const std::vector<int>& class_ids) {
  const std::size_t pixels = cue.size(), k = class_ids.size();
  check(cams.size() == k * pixels, "refine_cams", cams.size(), " CAM values for ", k, " classes × ", pixels,
        " pixels");
  for (int c : class_ids) check(c >= 1 && c <= 254, "refine_cams", "class id ", c, " is outside [1, 254]");
  std::vector<std::uint8_t> out(pixels);
  for (std::size_t p = 0; p < pixels; ++p) {
    // In float64, as the release compares the cue (read as float64) with the
    // float32 CAMs promoted: in float32, 1 − 80/255 equals the CAM value
    // 175/255 and the tie would go to the background.
    double best = 1.0 - static_cast<double>(cue[p]) / 255.0;
    int label = 0;
    for (std::size_t c = 0; c < k; ++c) {
      const double score = cams[c * pixels + p];
      if (score > best) best = score, label = class_ids[c];
    }
    out[p] = static_cast<std::uint8_t>(label);
  }
  return out;
}

std::vector<int> read_class_ids(const std::string& path) {
  std::ifstream in(path);
  check(in.good(), "read_class_ids", "cannot open ", path);
  std::vector<int> ids;
  std::string token;
  while (in >> token) {
    std::size_t used = 0;
    int id = -1;
    try {
      id = std::stoi(token, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    check(used == token.size() && id >= 1 && id <= 254, "read_class_ids", path, ": '", token,
          "' is not a class id in [1, 254]");
    // One CAM per class: a class twice would make the refinement ambiguous.
    check(std::find(ids.begin(), ids.end(), id) == ids.end(), "read_class_ids", path, ": class id ", id,
          " appears twice");
    ids.push_back(id);
  }
  return ids;
}

}  // namespace c2am::wsss
