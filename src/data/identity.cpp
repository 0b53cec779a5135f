// Identities of a dataset's images (Sample::id): what outputs are named after
// and inputs are looked up by, so that cats/0001.jpg and dogs/0001.jpg, or
// a.jpg and a.png, never share a file.

#include <filesystem>
#include <map>

#include "c2am/core/error.hpp"
#include "data/dataset_util.hpp"

namespace fs = std::filesystem;

namespace c2am::data {

namespace {

// The path below the root, '/'-separated; the whole path when the image is
// not under the root (a list file may point elsewhere).
std::string relative_to(const std::string& image_path, const std::string& root) {
  const fs::path image = fs::path(image_path).lexically_normal();
  if (!root.empty()) {
    const fs::path relative = image.lexically_relative(fs::path(root).lexically_normal());
    if (!relative.empty() && *relative.begin() != "..") return relative.generic_string();
  }
  return image.generic_string();
}

std::string without_extension(const std::string& relative) {
  return fs::path(relative).replace_extension().generic_string();
}

}  // namespace

void assign_identities(std::vector<Sample>& samples, const std::string& image_root, const std::string& dataset) {
  std::map<std::string, std::size_t> stem_count;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    Sample& s = samples[i];
    if (s.image_path.empty()) {
      if (s.id.empty()) s.id = "image_" + std::to_string(i);
      s.relative_path = s.id;
      continue;
    }
    s.relative_path = relative_to(s.image_path, image_root);
    if (s.id.empty()) ++stem_count[without_extension(s.relative_path)];
  }
  std::map<std::string, std::size_t> owner;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    Sample& s = samples[i];
    if (s.id.empty()) {
      const std::string stem = without_extension(s.relative_path);
      // Extensions are kept only where they tell images apart.
      s.id = stem_count[stem] > 1 ? s.relative_path : stem;
    }
    const auto [at, inserted] = owner.emplace(s.id, i);
    if (!inserted) {
      const Sample& first = samples[at->second];
      throw Error("dataset: " + dataset + ": " + (first.image_path.empty() ? first.id : first.image_path) + " and " +
                  (s.image_path.empty() ? s.id : s.image_path) + " have the same identity '" + s.id +
                  "' (listed twice?); each image must appear once");
    }
  }
}

}  // namespace c2am::data
