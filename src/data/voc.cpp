// PASCAL VOC 2012 and any folder annotated with Pascal-VOC XML.

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "c2am/core/error.hpp"
#include "c2am/data/label_map.hpp"
#include "data/dataset_util.hpp"

namespace fs = std::filesystem;

namespace c2am {

namespace {

// VOC's 20 object classes; index 0 is background in masks.
const std::vector<std::string> kVocClasses = {
    "aeroplane", "bicycle", "bird",  "boat",      "bottle", "bus",         "car",
    "cat",       "chair",   "cow",   "diningtable", "dog",  "horse",       "motorbike",
    "person",    "pottedplant", "sheep", "sofa",  "train",  "tvmonitor"};

// VOC's palette: colour of index i from its bits, interleaved.
std::array<std::uint8_t, 3> voc_colour(int index) {
  std::array<std::uint8_t, 3> c{0, 0, 0};
  for (int shift = 7; index; --shift, index >>= 3) {
    for (int ch = 0; ch < 3; ++ch) c[ch] |= static_cast<std::uint8_t>(((index >> ch) & 1) << shift);
  }
  return c;
}

class VocDataset : public Dataset {
 public:
  VocDataset(std::string name, std::vector<Sample> samples, std::vector<std::string> classes,
             const std::string& image_root)
      : Dataset(std::move(name), std::move(samples), std::move(classes), image_root) {}

  // Masks are read as class ids (label_map.hpp): palette PNGs
  // (SegmentationClass) give their indices, gray PNGs (SegmentationClassAug,
  // 8 or 16 bit) their values, as Pillow gives them to the release. Colour-
  // coded RGB masks are mapped back through VOC's palette, gray ones saved
  // as RGB read their index from the equal channels. Any value that
  // is not a class (0 to 20, 255 = ignore) is refused naming the pixel.
  std::vector<std::uint8_t> load_mask(std::size_t i, int& width, int& height) const override {
    const Sample& s = sample(i);
    if (s.mask_path.empty()) return Dataset::load_mask(i, width, height);
    const LabelMap labels = read_label_png(s.mask_path);
    const auto refuse = [&](std::size_t p, const std::string& value) {
      throw Error("dataset: " + s.mask_path + ": pixel (x " + std::to_string(p % labels.width) + ", y " +
                  std::to_string(p / labels.width) + ") holds " + value +
                  ", not a VOC class (0 to 20, or 255 for 'ignore')");
    };
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(labels.width) * labels.height);
    if (labels.colour) {
      std::map<std::array<std::uint8_t, 3>, std::uint8_t> index_of;
      for (int k = 0; k <= 20; ++k) index_of[voc_colour(k)] = static_cast<std::uint8_t>(k);
      index_of[voc_colour(255)] = 255;
      for (std::size_t p = 0; p < mask.size(); ++p) {
        const std::array<std::uint8_t, 3> c{labels.rgb[p * 3], labels.rgb[p * 3 + 1], labels.rgb[p * 3 + 2]};
        // A gray mask saved as RGB: equal channels hold the index (no VOC
        // colour but black has equal channels, so this is unambiguous).
        if (c[0] == c[1] && c[1] == c[2] && (c[0] <= 20 || c[0] == 255)) {
          mask[p] = c[0];
          continue;
        }
        const auto found = index_of.find(c);
        if (found == index_of.end())
          refuse(p, "the colour (" + std::to_string(c[0]) + ", " + std::to_string(c[1]) + ", " + std::to_string(c[2]) +
                        ")");
        mask[p] = found->second;
      }
    } else {
      for (std::size_t p = 0; p < mask.size(); ++p) {
        const std::uint16_t id = labels.ids[p];
        if (id > 20 && id != 255) refuse(p, "the value " + std::to_string(id));
        mask[p] = static_cast<std::uint8_t>(id);
      }
    }
    width = labels.width;
    height = labels.height;
    return mask;
  }
};

int voc_class(const std::string& name) {
  const auto found = std::find(kVocClasses.begin(), kVocClasses.end(), name);
  return found == kVocClasses.end() ? -1 : static_cast<int>(found - kVocClasses.begin());
}

void add_annotation(Sample& s, const data::VocAnnotation& a, const std::function<int(const std::string&)>& class_of) {
  s.annotated_width = a.width;
  s.annotated_height = a.height;
  std::set<int> labels;
  for (const auto& o : a.objects) {
    Box box = o.box;
    box.label = class_of(o.name);
    if (box.label >= 0) labels.insert(box.label);
    s.boxes.push_back(box);
  }
  s.labels.assign(labels.begin(), labels.end());
  s.label = s.labels.size() == 1 ? s.labels.front() : -1;
}

}  // namespace

std::unique_ptr<Dataset> data::read_voc(const std::string& dir, const std::string& split) {
  data::require_directory(dir, "PASCAL VOC");
  std::string list;
  for (const std::string& candidate :
       {dir + "/ImageSets/Segmentation/" + split + ".txt", dir + "/ImageSets/SegmentationAug/" + split + ".txt",
        dir + "/ImageSets/Main/" + split + ".txt"})
    if (list.empty() && data::file_exists(candidate)) list = candidate;
  if (list.empty()) throw Error("dataset: no list for split '" + split + "' under " + dir + "/ImageSets");
  std::vector<Sample> samples;
  for (const data::Line& line : data::read_lines(list)) {
    // Either "2007_000032" or "/JPEGImages/2007_000032.jpg /SegmentationClassAug/2007_000032.png".
    if (line.fields.size() > 2) data::bad_line(list, line.number, "expected an image id or 'image mask' paths");
    const std::string id = fs::path(line.fields[0]).stem().string();
    if (id.empty()) data::bad_line(list, line.number, "'" + line.fields[0] + "' names no image");
    Sample s;
    s.image_path = dir + "/JPEGImages/" + id + ".jpg";
    s.id = id;  // VOC's own name of the image, what cue and CAM files are called
    if (line.fields.size() == 2) {
      const std::string& mask = line.fields[1];
      const auto start = mask.find_first_not_of('/');
      if (start == std::string::npos) data::bad_line(list, line.number, "the mask path '" + mask + "' names no file");
      s.mask_path = dir + "/" + mask.substr(start);
    } else {
      for (const std::string& candidate :
           {dir + "/SegmentationClassAug/" + id + ".png", dir + "/SegmentationClass/" + id + ".png"})
        if (s.mask_path.empty() && data::file_exists(candidate, list + ":" + std::to_string(line.number)))
          s.mask_path = candidate;
    }
    const std::string xml = dir + "/Annotations/" + id + ".xml";
    if (data::file_exists(xml, list + ":" + std::to_string(line.number))) {
      s.annotation = xml;
      add_annotation(s, data::read_voc_xml(xml), voc_class);
    }
    samples.push_back(std::move(s));
  }
  return std::make_unique<VocDataset>("voc:" + dir + " (" + split + ")", std::move(samples), kVocClasses,
                                      dir + "/JPEGImages");
}

std::unique_ptr<Dataset> data::read_voc_xml(const std::string& dir, const std::string& split) {
  data::require_directory(dir, "annotated image");
  // Where the XML files and the images are, by layout.
  std::string xml_dir = dir, image_dir = dir;
  if (data::folder_exists(dir + "/Annotations")) xml_dir = dir + "/Annotations", image_dir = dir + "/JPEGImages";
  else if (data::folder_exists(dir + "/annotations")) xml_dir = dir + "/annotations", image_dir = dir + "/images";
  else if (data::folder_exists(dir + "/annots")) xml_dir = dir + "/annots", image_dir = dir + "/images";
  const std::string list = data::split_list(data::voc_xml_split_folder(dir), split, "voc-xml:" + dir);
  // XML files anywhere below the annotation folder; each image is looked for
  // in the image folder's sub-folder of the same relative path.
  std::vector<std::string> xmls;
  for (const auto& e : fs::recursive_directory_iterator(xml_dir))
    if (e.is_regular_file() && e.path().extension() == ".xml") xmls.push_back(e.path().string());
  std::sort(xmls.begin(), xmls.end());

  std::vector<std::pair<Sample, data::VocAnnotation>> annotated;
  std::set<std::string> names, paired;
  for (const std::string& xml : xmls) {
    data::VocAnnotation a = data::read_voc_xml(xml);
    const fs::path below = fs::path(xml).parent_path().lexically_relative(xml_dir);
    const std::string folder = below.empty() || below == "." ? image_dir : (fs::path(image_dir) / below).string();
    std::string image;
    if (!a.filename.empty() && data::file_exists(folder + "/" + a.filename, xml + " (<filename>)"))
      image = folder + "/" + a.filename;
    for (const char* ext : {".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG", ".bmp"}) {
      const std::string candidate = folder + "/" + fs::path(xml).stem().string() + ext;
      if (image.empty() && data::file_exists(candidate, xml)) image = candidate;
    }
    if (image.empty())
      throw Error("dataset: " + xml + ": image '" + a.filename + "' not found in " + folder);
    paired.insert(fs::path(image).lexically_normal().string());
    for (const auto& o : a.objects) names.insert(o.name);
    Sample s;
    s.image_path = image;
    s.annotation = xml;
    annotated.emplace_back(std::move(s), std::move(a));
  }
  const std::vector<std::string> classes(names.begin(), names.end());
  const auto class_of = [&](const std::string& name) {
    return static_cast<int>(std::lower_bound(classes.begin(), classes.end(), name) - classes.begin());
  };
  std::vector<Sample> samples;
  for (auto& [s, a] : annotated) {
    add_annotation(s, a, class_of);
    samples.push_back(std::move(s));
  }
  // Pictures without an annotation are not part of the dataset: said, not dropped silently.
  std::size_t unannotated = 0;
  std::string first_unannotated;
  for (const auto& e : fs::recursive_directory_iterator(image_dir)) {
    if (!e.is_regular_file() || !data::is_image_file(e.path().string())) continue;
    if (paired.count(e.path().lexically_normal().string())) continue;
    if (unannotated++ == 0) first_unannotated = e.path().string();
  }
  std::string name = "voc-xml:" + dir;
  if (!list.empty()) {
    data::assign_identities(samples, image_dir, name);
    samples = data::select_split(samples, list);
    name += " (" + split + ")";
  }
  auto dataset = std::make_unique<VocDataset>(name, std::move(samples), classes, image_dir);
  if (unannotated)
    dataset->add_note(std::to_string(unannotated) + " picture(s) in " + image_dir +
                      " have no XML annotation and are not part of " + name + " (the first: " + first_unannotated + ")");
  return dataset;
}

}  // namespace c2am
