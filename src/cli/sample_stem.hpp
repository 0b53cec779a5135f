#pragma once
// The file stem outputs of a sample are named after: its image's stem (the
// VOC id for VOC), or "image_<index>" for generated images.

#include <filesystem>
#include <string>

#include "c2am/data/dataset.hpp"

namespace c2am::cli {

inline std::string sample_stem(const Dataset& dataset, std::size_t i) {
  const std::string& path = dataset.sample(i).image_path;
  return path.empty() ? "image_" + std::to_string(i) : std::filesystem::path(path).stem().string();
}

}  // namespace c2am::cli
