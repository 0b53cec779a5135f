#pragma once
// Datasets: lists of samples (an image, optional class label, optional boxes
// in pixel coordinates of the original image, optional mask) read from the
// layouts users have on disk (SPEC §6), plus a procedural synthetic set.
//
// Readers check their index files up front: a malformed list or XML line is
// an error naming the file and the line; an empty dataset is an error
// naming the directory. Images are decoded lazily by load_image().

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "c2am/data/image.hpp"

namespace c2am {

struct Box {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // pixels; x1 = x0 + width as in wsolevaluation
  int label = -1;                        // class of the object when known
};

struct Sample {
  std::string image_path;  // empty for generated images
  int label = -1;          // image-level class (-1: unknown or several)
  std::vector<int> labels;  // all classes present (VOC), sorted, unique
  std::vector<Box> boxes;
  std::string mask_path;  // segmentation ground truth, when the dataset has one
  // The image's identity, unique in its dataset: its path relative to the
  // dataset's image root ('/'-separated) without the extension — or with it
  // where two images differ only by extension (a.jpg, a.png). VOC: the image
  // id; generated images: "image_<index>". Outputs are named after it
  // (<out>/<id>.npy mirrors the tree) and inputs are looked up by it.
  std::string id;
  // The path relative to the image root, extension kept ("cats/0001.jpg").
  std::string relative_path;
  // Where the boxes come from (a VOC XML file; CUB's bounding_boxes.txt with
  // the image id), for messages; empty for generated boxes.
  std::string annotation;
  // The picture size the annotation declares (VOC <size>); 0 when it has none.
  int annotated_width = 0, annotated_height = 0;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  std::size_t size() const { return samples_.size(); }
  const Sample& sample(std::size_t i) const { return samples_.at(i); }
  const std::vector<Sample>& samples() const { return samples_; }
  // The image of sample i (decoded from its file, or generated).
  virtual Image load_image(std::size_t i) const;
  // Ground-truth mask of sample i (class index per pixel, 255 = ignore) when
  // the dataset has one; throws otherwise.
  virtual std::vector<std::uint8_t> load_mask(std::size_t i, int& width, int& height) const;
  const std::string& name() const { return name_; }
  // What the reader wants the user told about how it read the files (e.g.
  // pictures left out because they have no annotation); commands print them.
  const std::vector<std::string>& notes() const { return notes_; }
  void add_note(std::string note) { notes_.push_back(std::move(note)); }
  const std::vector<std::string>& class_names() const { return class_names_; }

 protected:
  // Gives every sample its identity relative to `image_root` (samples whose
  // id is already set keep it; no image path: "image_<index>") and throws
  // when two samples would share one, naming both files.
  Dataset(std::string name, std::vector<Sample> samples, std::vector<std::string> class_names,
          const std::string& image_root = "");

 private:
  std::string name_;
  std::vector<Sample> samples_;
  std::vector<std::string> class_names_;
  std::vector<std::string> notes_;
};

// Checks a sample's annotation against its decoded image (width × height
// pixels). Throws c2am::Error naming the annotation when the size it declares
// is not the image's (the boxes were drawn on another version of the picture:
// rotated by EXIF, resized), or when a box is empty or lies wholly outside the
// image (it cannot be localized; scoring it would count a broken annotation as
// a model failure). Returns one warning per box that only sticks out (the
// evaluation clips it to the image, as it clips every box to the crop).
std::vector<std::string> check_boxes_against_image(const Sample& sample, int width, int height);

// CUB-200-2011: split "train", "test" or "all".
std::unique_ptr<Dataset> open_cub(const std::string& dir, const std::string& split);
// ILSVRC2012: "train" (class folders train/<wnid>/) or "val" (val/ with one
// Pascal-VOC XML of boxes per image, in val/ beside the image or in
// val_boxes/). A list file <dir>/<split>.txt ("relative/path [label]" per
// line), when present, fixes the images and their order.
std::unique_ptr<Dataset> open_imagenet(const std::string& dir, const std::string& split);
// PASCAL VOC 2012: the ids of ImageSets/Segmentation/<split>.txt (or
// ImageSets/SegmentationAug/<split>.txt, e.g. train_aug), JPEGImages/,
// Annotations/ (boxes and image classes, when present) and the mask from
// SegmentationClassAug/ or SegmentationClass/.
std::unique_ptr<Dataset> open_voc(const std::string& dir, const std::string& split);
// Any folder annotated with Pascal-VOC XML: VOC's layout (Annotations/ +
// JPEGImages/), a flat images/ + annotations/ layout, or XML files beside
// the images (also annots/ + images/). Images are paired by the XML
// <filename>; classes are the sorted object names.
// Splits: "all" (or "") is every image; another name needs its list file,
// ImageSets/Main/<split>.txt in VOC's layout, splits/<split>.txt otherwise,
// naming one image per line (its identity or its path below the image
// folder). An unknown split is an error listing the splits there are.
std::unique_ptr<Dataset> open_voc_xml(const std::string& dir, const std::string& split = "all");
// Every image file (jpg, jpeg, png, bmp; any case) under `dir`, sorted.
// Splits as open_voc_xml, from <dir>/splits/<split>.txt.
std::unique_ptr<Dataset> open_image_folder(const std::string& dir, const std::string& split = "all");

// The split names `spec` offers (for messages and for commands that fall
// back to every image when a dataset has no splits): CUB train, test, all;
// ImageNet train, val; VOC its list files; synthetic train, val, test;
// voc-xml: and folder: their list files, then "all".
std::vector<std::string> dataset_splits(const std::string& spec);

struct SyntheticConfig {
  std::size_t count = 256;
  int image_size = 96;
  std::uint64_t seed = 0;  // the same seed gives the same images, boxes and masks
};
// Textured objects (ellipse, rectangle, triangle, diamond) on textured
// backgrounds. Labels are the shape; each sample has the exact box of its
// object and load_mask gives the object's pixels (1) and background (0).
std::unique_ptr<Dataset> make_synthetic(const SyntheticConfig& config);

// "cub:DIR", "imagenet:DIR", "voc:DIR", "voc-xml:DIR", "folder:DIR" or
// "synthetic" / "synthetic:COUNT". `split` is passed to the reader, which
// refuses names it does not have; for the synthetic set it picks one of three
// disjoint parts ("train", "val", "test").
std::unique_ptr<Dataset> open_dataset(const std::string& spec, const std::string& split);

}  // namespace c2am
