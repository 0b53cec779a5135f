#include "c2am/wsol/pseudo_boxes.hpp"

#include <cmath>
#include <cstdio>
#include <iterator>
#include <fstream>
#include <nlohmann/json.hpp>

#include "c2am/core/error.hpp"

namespace c2am::wsol {

namespace {

using json = nlohmann::json;

Box box_of(const json& value, const std::string& where) {
  const auto refuse = [&](const std::string& why) { throw Error(where + ": box " + value.dump() + " " + why); };
  if (!value.is_array() || value.size() != 4) refuse("is not null or [x0, y0, x1, y1]");
  double v[4];
  for (int i = 0; i < 4; ++i) {
    if (!value[i].is_number()) refuse("holds a value that is not a number");
    v[i] = value[i].get<double>();
    if (!std::isfinite(v[i])) refuse("holds a value that is not finite");
  }
  if (v[0] < 0 || v[1] < 0 || v[0] > v[2] || v[1] > v[3]) refuse("is not 0 ≤ x0 ≤ x1, 0 ≤ y0 ≤ y1");
  Box b;
  b.x0 = static_cast<float>(v[0]), b.y0 = static_cast<float>(v[1]);
  b.x1 = static_cast<float>(v[2]), b.y1 = static_cast<float>(v[3]);
  return b;
}

// FNV-1a 64 of the bytes, as 16 hex digits.
std::string digest_of(const std::string& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ull;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

std::string without_trailing_slashes(std::string spec) {
  while (spec.size() > 1 && spec.back() == '/') spec.pop_back();
  return spec;
}

}  // namespace

PseudoBoxes read_pseudo_boxes(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("pseudo boxes " + file + ": cannot be read");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json document;
  try {
    document = json::parse(bytes);
  } catch (const json::exception& e) {
    throw Error("pseudo boxes " + file + ": not valid JSON (" + e.what() + "); expected the file `c2am wsol boxes` writes");
  }
  if (!document.is_object() || !document.contains("images") || !document["images"].is_array())
    throw Error("pseudo boxes " + file + ": no \"images\" list; expected the file `c2am wsol boxes` writes");
  PseudoBoxes out;
  out.file = file;
  out.digest = digest_of(bytes);
  if (document.contains("data") && document["data"].is_string()) out.data = document["data"].get<std::string>();
  if (document.contains("split") && document["split"].is_string()) out.split = document["split"].get<std::string>();
  std::size_t position = 0;
  for (const json& entry : document["images"]) {
    const std::string where = "pseudo boxes " + file + ", image " + std::to_string(position++);
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string())
      throw Error(where + ": no \"id\" string");
    const std::string id = entry["id"].get<std::string>();
    const json box = entry.value("box", json());
    std::optional<Box> parsed;
    if (!box.is_null()) parsed = box_of(box, where + " (" + id + ")");
    if (!out.by_id.emplace(id, parsed).second) throw Error(where + ": a second entry for " + id);
    const json width = entry.value("width", json()), height = entry.value("height", json());
    if (width.is_number_integer() && height.is_number_integer()) {
      const int w = width.get<int>(), h = height.get<int>();
      if (w < 1 || h < 1) throw Error(where + " (" + id + "): image size " + width.dump() + "x" + height.dump());
      out.size_by_id[id] = {w, h};
      if (parsed && (parsed->x1 > w + 1.0f || parsed->y1 > h + 1.0f))
        throw Error(where + " (" + id + "): box " + box.dump() + " reaches beyond its " + std::to_string(w) + "x" +
                    std::to_string(h) + " image");
    }
  }
  if (out.by_id.empty()) throw Error("pseudo boxes " + file + ": the \"images\" list is empty");
  return out;
}

std::vector<std::optional<Box>> pseudo_boxes_for(const PseudoBoxes& boxes, const Dataset& dataset,
                                                 const std::string& data, const std::string& split) {
  if (!split.empty() && !boxes.split.empty() && boxes.split != split)
    throw Error("pseudo boxes " + boxes.file + " were written for split '" + boxes.split + "', not '" + split +
                "': images of two splits can share names (image_0, ...); write the boxes of this split with `c2am "
                "wsol boxes --split " + split + "`");
  if (!data.empty() && !boxes.data.empty() && without_trailing_slashes(boxes.data) != without_trailing_slashes(data))
    throw Error("pseudo boxes " + boxes.file + " were written for --data " + boxes.data + ", not " + data);
  std::vector<std::optional<Box>> out;
  out.reserve(dataset.size());
  std::vector<std::string> missing;
  std::size_t missing_count = 0;
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const Sample& s = dataset.sample(i);
    const auto found = boxes.by_id.find(s.id);
    if (found == boxes.by_id.end()) {
      if (missing.size() < 3) missing.push_back(s.id);
      ++missing_count;
      out.emplace_back();
      continue;
    }
    out.push_back(found->second);
  }
  if (missing_count > 0) {
    std::string names;
    for (const auto& id : missing) names += (names.empty() ? "" : ", ") + id;
    throw Error("pseudo boxes " + boxes.file + ": no entry for " + std::to_string(missing_count) + " of the " +
                std::to_string(dataset.size()) + " images of " + dataset.name() + " (" + names +
                (missing_count > missing.size() ? ", ..." : "") +
                "); write the boxes for this split with `c2am wsol boxes --split ...`");
  }
  return out;
}

void check_pseudo_box_image(const PseudoBoxes& boxes, const std::string& id, int width, int height) {
  const auto found = boxes.size_by_id.find(id);
  if (found == boxes.size_by_id.end()) return;
  if (found->second.first != width || found->second.second != height)
    throw Error("pseudo boxes " + boxes.file + ": the box of " + id + " was found on a " +
                std::to_string(found->second.first) + "x" + std::to_string(found->second.second) + " image, but " + id +
                " is " + std::to_string(width) + "x" + std::to_string(height) + " here: boxes of another dataset?");
}

}  // namespace c2am::wsol
