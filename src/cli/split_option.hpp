#pragma once
// A dataset opened at the split an option names (--split, --pick-on). A
// split the dataset does not have is an error that names the option. Only
// when the option was left at its default and the dataset has no splits at
// all (voc-xml:/folder: without list files) is every image used instead —
// and the caller is told, so the output can say so.

#include <memory>
#include <string>

#include "c2am/data/dataset.hpp"

namespace c2am::cli {

struct OpenedSplit {
  std::unique_ptr<Dataset> dataset;
  std::string split;        // the split used ("all" after a fall-back)
  bool every_image = false;  // the dataset has no splits; the default was not applied
};

// The split to open, without opening it (the checks above).
std::string resolve_split(const std::string& spec, const std::string& split, bool given, const std::string& option,
                          bool* every_image = nullptr);

OpenedSplit open_split_option(const std::string& spec, const std::string& split, bool given, const std::string& option);

}  // namespace c2am::cli
