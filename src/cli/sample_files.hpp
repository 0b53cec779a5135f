#pragma once
// Files named after a sample's identity (Sample::id, unique in its dataset):
// outputs mirror the dataset's tree under --out, and side inputs (maps, cues,
// CAMs, predictions) are found by exact identity, never by a partial name.

#include <filesystem>
#include <string>

#include "c2am/core/error.hpp"
#include "c2am/data/dataset.hpp"

namespace c2am::cli {

// <dir>/<id><extension>, its folder made if missing (output folders are
// made at the first write, so a refused command leaves none behind).
inline std::string output_file(const std::string& dir, const Sample& sample, const std::string& extension) {
  const std::filesystem::path file = std::filesystem::path(dir) / (sample.id + extension);
  std::error_code ec;
  if (!std::filesystem::is_directory(file.parent_path(), ec)) {
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) throw Error(file.string() + ": cannot make its folder (" + ec.message() + ")");
  }
  return file.string();
}

// <dir>/<id><extension>: the file another command wrote for this sample.
inline std::string input_file(const std::string& dir, const Sample& sample, const std::string& extension) {
  return (std::filesystem::path(dir) / (sample.id + extension)).string();
}

// The entry of `by_name` that names this sample: by identity, by the path
// relative to the dataset root (extension kept) or by the full image path.
// Two entries naming the same sample are an error naming both.
template <class Map>
typename Map::const_iterator find_by_identity(const Map& by_name, const Sample& sample, const std::string& source) {
  auto found = by_name.end();
  for (const std::string& key : {sample.id, sample.relative_path, sample.image_path}) {
    const auto hit = by_name.find(key);
    if (hit == by_name.end() || hit == found) continue;
    if (found != by_name.end())
      throw Error(source + ": '" + found->first + "' and '" + hit->first + "' both name " + sample.image_path +
                  "; keep one");
    found = hit;
  }
  return found;
}

}  // namespace c2am::cli
