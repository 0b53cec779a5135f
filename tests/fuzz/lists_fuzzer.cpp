// Fuzz target for the list files of the dataset readers. The first byte
// picks the file, the rest is its text, written into a small tree with one
// picture (the value modulo 8):
//   0 CUB images.txt     3 ImageNet train.txt     6 voc-xml: splits/val.txt
//   1 ImageNet val.txt   4 CUB bounding_boxes.txt 7 folder: splits/val.txt
//   2 VOC ImageSets/Segmentation/train.txt (its "Annotations" may be created)
//   5 CUB train_test_split.txt
// The dataset opens or raises c2am::Error, nothing else.

#include <cstddef>
#include <cstdint>
#include <string>

#include "c2am/core/error.hpp"
#include "c2am/data/dataset.hpp"
#include "fuzz_scratch.hpp"

namespace {

// A tree every reader can open, rewritten before each input.
void reset_tree(const std::filesystem::path& root) {
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
  using c2am::fuzz::write_text;
  const c2am::Image picture(8, 6);
  for (const char* folder : {"cub/images/001.a", "net/train/n01", "net/val", "voc/JPEGImages",
                             "voc/ImageSets/Segmentation", "voc/Annotations", "vocxml/splits", "folder/splits"})
    std::filesystem::create_directories(root / folder);
  for (const char* image : {"cub/images/001.a/x.png", "net/train/n01/x.png", "net/val/x.png", "voc/JPEGImages/x.jpg",
                            "vocxml/x.png", "folder/x.png"})
    c2am::write_png((root / image).string(), picture);
  write_text("lists/cub/images.txt", "1 001.a/x.png\n");
  write_text("lists/cub/bounding_boxes.txt", "1 1 1 4 3\n");
  write_text("lists/cub/train_test_split.txt", "1 1\n");
  write_text("lists/cub/image_class_labels.txt", "1 1\n");
  write_text("lists/voc/ImageSets/Segmentation/train.txt", "x\n");
  write_text("lists/vocxml/x.xml",
             "<annotation><filename>x.png</filename><object><name>a</name><bndbox><xmin>1</xmin><ymin>1</ymin>"
             "<xmax>4</xmax><ymax>3</ymax></bndbox></object></annotation>\n");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::filesystem::path root = c2am::fuzz::scratch() / "lists";
  reset_tree(root);
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const char* const kFiles[] = {"cub/images.txt",           "net/val.txt",
                                       "voc/ImageSets/Segmentation/train.txt", "net/train.txt",
                                       "cub/bounding_boxes.txt",   "cub/train_test_split.txt",
                                       "vocxml/splits/val.txt",    "folder/splits/val.txt"};
  const int which = data[0] % 8;
  c2am::fuzz::write_text(std::string("lists/") + kFiles[which], text);
  try {
    const std::string r = root.string();
    if (which == 0 || which == 4 || which == 5) (void)c2am::open_cub(r + "/cub", "all");
    else if (which == 1) (void)c2am::open_imagenet(r + "/net", "val");
    else if (which == 2) (void)c2am::open_voc(r + "/voc", "train");
    else if (which == 3) (void)c2am::open_imagenet(r + "/net", "train");
    else if (which == 6) (void)c2am::open_voc_xml(r + "/vocxml", "val");
    else (void)c2am::open_image_folder(r + "/folder", "val");
  } catch (const c2am::Error&) {
  }
  return 0;
}
