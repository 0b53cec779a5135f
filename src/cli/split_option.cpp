#include "cli/split_option.hpp"

#include <algorithm>
#include <cstdio>

#include "c2am/core/error.hpp"

namespace c2am::cli {

std::string resolve_split(const std::string& spec, const std::string& split, bool given, const std::string& option,
                          bool* every_image) {
  const std::vector<std::string> splits = dataset_splits(spec);
  const bool has_no_splits = splits.size() == 1 && splits.front() == "all";
  if (every_image) *every_image = false;
  if (!given && has_no_splits && split != "all") {
    if (every_image) *every_image = true;
    return "all";
  }
  // Checked here to name the option; an empty list (a missing folder, a VOC
  // tree without ImageSets) is left to the reader's own, more precise error.
  if (!splits.empty() && std::find(splits.begin(), splits.end(), split) == splits.end()) {
    std::string known;
    for (const std::string& s : splits) known += (known.empty() ? "" : ", ") + s;
    throw Error(option + " " + split + ": " + spec + " has no split '" + split + "'; its splits: " + known +
                (has_no_splits ? " (give it splits with list files: see docs/inputs-and-outputs.md)" : "") +
                (option == "--pick-on" ? "; or --pick-on-test to choose the threshold on the evaluated images, as "
                                         "the release does"
                                       : ""));
  }
  return split;
}

OpenedSplit open_split_option(const std::string& spec, const std::string& split, bool given, const std::string& option) {
  OpenedSplit out;
  out.split = resolve_split(spec, split, given, option, &out.every_image);
  out.dataset = open_dataset(spec, out.split);
  for (const std::string& note : out.dataset->notes()) std::fprintf(stderr, "note: %s\n", note.c_str());
  return out;
}

}  // namespace c2am::cli
