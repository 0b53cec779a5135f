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
  std::string data, split;  // the dataset spec and split they were written for ("" when not recorded)
  std::string digest;       // of the file's bytes (FNV-1a 64, hex): a resumed run checks it is unchanged
  // By image identity (Sample::id); nullopt where the map had no pixel above
  // the threshold.
  std::map<std::string, std::optional<Box>> by_id;
  // The image size each box was found on, where recorded ("width", "height").
  std::map<std::string, std::pair<int, int>> size_by_id;
};

// Throws c2am::Error naming the file for: unreadable or malformed JSON, no
// "images" list, an entry without a string "id", an id given twice, a box
// that is not null or four finite numbers with 0 ≤ x0 ≤ x1 and 0 ≤ y0 ≤ y1,
// or that reaches more than a pixel beyond its recorded image size.
PseudoBoxes read_pseudo_boxes(const std::string& file);

// The pseudo box of every sample of `dataset`, in its order, found by
// identity. Throws c2am::Error naming the file when the boxes record another
// dataset spec or split than `data` / `split` (identities such as
// "image_0" repeat across splits), and naming up to three images when
// samples have no entry.
std::vector<std::optional<Box>> pseudo_boxes_for(const PseudoBoxes& boxes, const Dataset& dataset,
                                                 const std::string& data = "", const std::string& split = "");

// Throws c2am::Error naming the file and the image when the box of `id` was
// found on an image of another size than width × height (another picture
// under the same name).
void check_pseudo_box_image(const PseudoBoxes& boxes, const std::string& id, int width, int height);

}  // namespace c2am::wsol
