// Dataset base, CUB-200-2011, ILSVRC2012, plain image folders and the
// dataset-spec parser.

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "c2am/core/error.hpp"
#include "data/dataset_util.hpp"

namespace fs = std::filesystem;

namespace c2am {

using data::bad_line;
using data::Line;
using data::parse_float;
using data::parse_int;
using data::read_lines;

Dataset::Dataset(std::string name, std::vector<Sample> samples, std::vector<std::string> class_names,
                 const std::string& image_root)
    : name_(std::move(name)), samples_(std::move(samples)), class_names_(std::move(class_names)) {
  if (samples_.empty()) throw Error("dataset: " + name_ + " has no images");
  data::assign_identities(samples_, image_root, name_);
}

Image Dataset::load_image(std::size_t i) const { return read_image(sample(i).image_path); }

std::vector<std::uint8_t> Dataset::load_mask(std::size_t i, int&, int&) const {
  throw Error("dataset: " + name_ + ": image " + sample(i).image_path + " has no mask");
}

namespace {

class ListDataset : public Dataset {
 public:
  ListDataset(std::string name, std::vector<Sample> samples, std::vector<std::string> classes,
              const std::string& image_root)
      : Dataset(std::move(name), std::move(samples), std::move(classes), image_root) {}
};

std::map<long, std::vector<std::string>> index_by_id(const std::string& path, std::size_t fields) {
  std::map<long, std::vector<std::string>> out;
  for (const Line& line : read_lines(path)) {
    if (line.fields.size() < fields)
      bad_line(path, line.number, "expected " + std::to_string(fields) + " fields, found " + std::to_string(line.fields.size()));
    const long id = parse_int(path, line, 0);
    if (!out.emplace(id, line.fields).second) bad_line(path, line.number, "image id " + std::to_string(id) + " repeated");
  }
  return out;
}

}  // namespace

std::unique_ptr<Dataset> data::read_cub(const std::string& dir, const std::string& split) {
  data::require_directory(dir, "CUB-200-2011");
  if (split != "train" && split != "test" && split != "all")
    throw Error("dataset: CUB split must be train, test or all, got '" + split + "'");
  const std::string images_txt = dir + "/images.txt", split_txt = dir + "/train_test_split.txt";
  const std::string boxes_txt = dir + "/bounding_boxes.txt", labels_txt = dir + "/image_class_labels.txt";
  const auto images = index_by_id(images_txt, 2);
  const auto splits = index_by_id(split_txt, 2);
  const auto boxes = index_by_id(boxes_txt, 5);
  const bool has_labels = data::file_exists(labels_txt);
  const auto labels = has_labels ? index_by_id(labels_txt, 2) : std::map<long, std::vector<std::string>>{};
  std::vector<std::string> classes;
  if (data::file_exists(dir + "/classes.txt")) {
    for (const Line& line : read_lines(dir + "/classes.txt")) classes.push_back(line.fields.back());
  }

  std::vector<Sample> samples;
  int line_number = 0;
  for (const auto& [id, fields] : images) {
    ++line_number;
    const auto in_split = splits.find(id);
    if (in_split == splits.end()) throw Error("dataset: " + split_txt + ": no split for image id " + std::to_string(id));
    const bool is_train = in_split->second[1] == "1";
    if ((split == "train" && !is_train) || (split == "test" && is_train)) continue;
    Sample s;
    s.image_path = dir + "/images/" + fields[1];
    const auto box = boxes.find(id);
    if (box == boxes.end()) throw Error("dataset: " + boxes_txt + ": no box for image id " + std::to_string(id));
    Line box_line{line_number, box->second, {}};
    const float x = parse_float(boxes_txt, box_line, 1), y = parse_float(boxes_txt, box_line, 2);
    const float w = parse_float(boxes_txt, box_line, 3), h = parse_float(boxes_txt, box_line, 4);
    if (has_labels) {
      const auto label = labels.find(id);
      if (label == labels.end()) throw Error("dataset: " + labels_txt + ": no class for image id " + std::to_string(id));
      Line label_line{line_number, label->second, {}};
      s.label = static_cast<int>(parse_int(labels_txt, label_line, 1)) - 1;  // the file counts from 1
      s.labels = {s.label};
    }
    s.boxes.push_back({x, y, x + w, y + h, s.label});
    s.annotation = boxes_txt + " (image id " + std::to_string(id) + ")";
    samples.push_back(std::move(s));
  }
  return std::make_unique<ListDataset>("cub:" + dir + " (" + split + ")", std::move(samples), std::move(classes),
                                       dir + "/images");
}

namespace {

std::vector<std::string> sorted_subdirectories(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory()) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

Sample image_only(std::string path) {
  Sample s;
  s.image_path = std::move(path);
  return s;
}

std::vector<std::string> sorted_images(const std::string& dir, bool recursive) {
  std::vector<std::string> out;
  if (recursive) {
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file() && data::is_image_file(e.path().string())) out.push_back(e.path().string());
  } else {
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && data::is_image_file(e.path().string())) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::unique_ptr<Dataset> data::read_imagenet(const std::string& dir, const std::string& split) {
  data::require_directory(dir, "ILSVRC2012");
  if (split != "train" && split != "val") throw Error("dataset: ImageNet split must be train or val, got '" + split + "'");
  const std::string split_dir = dir + "/" + split;
  data::require_directory(split_dir, "ILSVRC2012 split");
  std::vector<std::string> classes = data::folder_exists(dir + "/train") ? sorted_subdirectories(dir + "/train") : std::vector<std::string>{};
  std::map<std::string, int> class_index;
  for (std::size_t i = 0; i < classes.size(); ++i) class_index[classes[i]] = static_cast<int>(i);

  std::vector<Sample> samples;
  const std::string list = dir + "/" + split + ".txt";
  if (data::file_exists(list)) {
    for (const Line& line : read_lines(list)) {
      Sample s;
      s.image_path = split_dir + "/" + line.fields[0];
      if (line.fields.size() >= 2) s.label = static_cast<int>(parse_int(list, line, 1));
      if (line.fields.size() > 2) bad_line(list, line.number, "expected 'path [label]'");
      samples.push_back(std::move(s));
    }
  } else if (split == "train") {
    for (const auto& wnid : classes) {
      for (auto& path : sorted_images(split_dir + "/" + wnid, false)) {
        Sample s;
        s.image_path = std::move(path);
        s.label = class_index.at(wnid);
        samples.push_back(std::move(s));
      }
    }
  } else {
    for (auto& path : sorted_images(split_dir, false)) samples.push_back(image_only(std::move(path)));
  }
  if (split == "val") {
    std::set<std::string> names;
    for (Sample& s : samples) {
      const std::string stem = fs::path(s.image_path).stem().string();
      std::string xml;
      for (const std::string& candidate : {split_dir + "/" + stem + ".xml", dir + "/val_boxes/" + stem + ".xml"})
        if (xml.empty() && data::file_exists(candidate, "the annotation of " + s.image_path)) xml = candidate;
      if (xml.empty()) continue;
      const data::VocAnnotation a = data::read_voc_xml(xml);
      s.annotation = xml;
      s.annotated_width = a.width;
      s.annotated_height = a.height;
      for (const auto& o : a.objects) {
        Box box = o.box;
        const auto known = class_index.find(o.name);
        box.label = known == class_index.end() ? -1 : known->second;
        if (s.label < 0) s.label = box.label;
        s.boxes.push_back(box);
      }
    }
  }
  for (Sample& s : samples)
    if (s.label >= 0) s.labels = {s.label};
  return std::make_unique<ListDataset>("imagenet:" + dir + " (" + split + ")", std::move(samples), std::move(classes),
                                       split_dir);
}

std::unique_ptr<Dataset> data::read_image_folder(const std::string& dir, const std::string& split) {
  data::require_directory(dir, "image");
  const std::string list = data::split_list(dir + "/splits", split, "folder:" + dir);
  std::vector<Sample> samples;
  for (auto& path : sorted_images(dir, true)) samples.push_back(image_only(std::move(path)));
  if (samples.empty()) {
    std::size_t others = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
      others += entry.is_regular_file();
    throw Error("dataset: folder:" + dir + " has no images of the supported formats (.jpg, .jpeg, .png, .bmp, "
                "any case)" + (others ? "; it holds " + std::to_string(others) + " file(s) of other kinds" : ""));
  }
  std::string name = "folder:" + dir;
  if (!list.empty()) {
    data::assign_identities(samples, dir, name);
    samples = data::select_split(samples, list);
    name += " (" + split + ")";
  }
  return std::make_unique<ListDataset>(name, std::move(samples), std::vector<std::string>{}, dir);
}

std::vector<std::string> dataset_splits(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string dir = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind == "cub") return {"train", "test", "all"};
  if (kind == "imagenet") return {"train", "val"};
  if (kind == "synthetic") return {"train", "val", "test"};
  std::vector<std::string> names;
  if (kind == "voc") {
    for (const char* folder : {"/ImageSets/Segmentation", "/ImageSets/SegmentationAug", "/ImageSets/Main"})
      for (const std::string& name : data::split_names_in(dir + folder))
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    return names;
  }
  if (kind == "voc-xml") names = data::split_names_in(data::voc_xml_split_folder(dir));
  else if (kind == "folder") names = data::split_names_in(dir + "/splits");
  names.push_back("all");
  return names;
}

std::unique_ptr<Dataset> open_dataset(const std::string& spec, const std::string& split) {
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind == "synthetic") {
    SyntheticConfig config;
    if (!rest.empty()) {
      try {
        config.count = std::stoul(rest);
      } catch (const std::exception&) {
        throw Error("dataset: synthetic count '" + rest + "' is not a number");
      }
    }
    // Disjoint parts of one procedural stream: a different seed per split.
    if (split != "train" && split != "val" && split != "test")
      throw Error("dataset: synthetic split must be train, val or test, got '" + split + "'");
    config.seed = split == "train" ? 1 : split == "val" ? 2 : 3;
    return make_synthetic(config);
  }
  if (rest.empty()) {
    std::error_code ec;
    if (colon == std::string::npos && fs::is_directory(spec, ec))
      throw Error("dataset: '" + spec + "' is a folder but not a dataset spec: did you mean folder:" + spec +
                  " (images only), voc-xml:" + spec + " (images with Pascal VOC XML boxes) or cub:, imagenet:, voc:" +
                  spec + "?");
    const bool known_kind = spec == "cub" || spec == "imagenet" || spec == "voc" || spec == "voc-xml" || spec == "folder";
    if (colon == std::string::npos && !known_kind && !fs::exists(spec, ec))
      throw Error("dataset: '" + spec + "' does not exist; --data is a folder of images or a dataset spec (cub:DIR, "
                  "imagenet:DIR, voc:DIR, voc-xml:DIR, folder:DIR, synthetic)");
    throw Error("dataset: '" + spec + "' needs a directory (kind:DIR)");
  }
  if (kind == "cub") return open_cub(rest, split.empty() ? "train" : split);
  if (kind == "imagenet") return open_imagenet(rest, split.empty() ? "train" : split);
  if (kind == "voc") return open_voc(rest, split.empty() ? "train_aug" : split);
  if (kind == "voc-xml") return open_voc_xml(rest, split);
  if (kind == "folder") return open_image_folder(rest, split);
  throw Error("dataset: unknown kind '" + kind + "' in '" + spec +
              "' (expected cub, imagenet, voc, voc-xml, folder or synthetic)");
}

}  // namespace c2am
