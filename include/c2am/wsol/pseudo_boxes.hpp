#pragma once
// The pseudo boxes `c2am wsol boxes` writes (one JSON file: "images", a list
// of {"id", "path", "width", "height", "box": [x0, y0, x1, y1] or null}, in
// pixels of the original image, x1 = x0 + width), read back as the second
// WSOL stage's training targets.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "c2am/data/dataset.hpp"

namespace c2am::wsol {

struct PseudoBoxes {
  std::string file;
  // By image identity (Sample::id); nullopt where the map had no pixel above
  // the threshold.
  std::map<std::string, std::optional<Box>> by_id;
};

// Throws c2am::Error naming the file for: unreadable or malformed JSON, no
// "images" list, an entry without a string "id", an id given twice, a box
// that is not null or four finite numbers with 0 ≤ x0 ≤ x1 and 0 ≤ y0 ≤ y1.
PseudoBoxes read_pseudo_boxes(const std::string& file);

// The pseudo box of every sample of `dataset`, in its order, found by
// identity. Throws c2am::Error naming the file and up to three images when
// samples have no entry (boxes written for another split or dataset).
std::vector<std::optional<Box>> pseudo_boxes_for(const PseudoBoxes& boxes, const Dataset& dataset);

}  // namespace c2am::wsol
