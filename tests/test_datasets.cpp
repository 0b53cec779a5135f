// Every dataset reader on small trees written by the test, and the
// synthetic dataset.

#include <catch2/catch.hpp>

#include <filesystem>
#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <unistd.h>

#include "c2am/data/dataset.hpp"
#include "c2am/data/label_map.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::error_message;
namespace fs = std::filesystem;

namespace {

struct Tree {
  fs::path root;
  Tree() {
    root = fs::temp_directory_path() / ("c2am-datasets-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(root);
  }
  ~Tree() { fs::remove_all(root); }
  std::string path(const std::string& relative) const { return (root / relative).string(); }
  void text(const std::string& relative, const std::string& content) const {
    fs::create_directories((root / relative).parent_path());
    std::ofstream(path(relative)) << content;
  }
  void image(const std::string& relative, int w = 8, int h = 6, std::uint8_t value = 100) const {
    fs::create_directories((root / relative).parent_path());
    Image img(w, h);
    std::fill(img.pixels.begin(), img.pixels.end(), value);
    write_png(path(relative), img);  // content decides the format, not the name
  }
  std::string dir() const { return root.string(); }
};

std::string voc_xml(const std::string& filename, const std::vector<std::pair<std::string, std::array<int, 4>>>& objects) {
  std::string xml = "<annotation>\n  <filename>" + filename + "</filename>\n  <size><width>8</width><height>6</height></size>\n";
  for (const auto& [name, b] : objects) {
    xml += "  <object>\n    <name>" + name + "</name>\n    <bndbox><xmin>" + std::to_string(b[0]) + "</xmin><ymin>" +
           std::to_string(b[1]) + "</ymin><xmax>" + std::to_string(b[2]) + "</xmax><ymax>" + std::to_string(b[3]) +
           "</ymax></bndbox>\n  </object>\n";
  }
  return xml + "</annotation>\n";
}

}  // namespace

TEST_CASE("CUB-200-2011: splits, boxes as x+w, 0-based classes", "[datasets]") {
  Tree t;
  t.image("images/001.Albatross/a.jpg");
  t.image("images/001.Albatross/b.jpg");
  t.image("images/002.Auklet/c.jpg");
  t.text("images.txt", "1 001.Albatross/a.jpg\n2 001.Albatross/b.jpg\n3 002.Auklet/c.jpg\n");
  t.text("train_test_split.txt", "1 1\n2 0\n3 1\n");
  t.text("bounding_boxes.txt", "1 1.0 2.0 3.0 4.0\n2 0 0 8 6\n3 2.5 1.5 4 2\n");
  t.text("image_class_labels.txt", "1 1\n2 1\n3 2\n");
  t.text("classes.txt", "1 001.Albatross\n2 002.Auklet\n");
  const auto train = open_cub(t.dir(), "train");
  REQUIRE(train->size() == 2);
  CHECK(train->sample(0).image_path == t.path("images/001.Albatross/a.jpg"));
  CHECK(train->sample(1).label == 1);
  const Box b = train->sample(1).boxes.at(0);
  CHECK((b.x0 == 2.5f && b.y0 == 1.5f && b.x1 == 6.5f && b.y1 == 3.5f));
  CHECK(train->class_names() == std::vector<std::string>{"001.Albatross", "002.Auklet"});
  CHECK(open_cub(t.dir(), "test")->size() == 1);
  CHECK(open_cub(t.dir(), "all")->size() == 3);
  CHECK(train->load_image(0).width == 8);

  t.text("bounding_boxes.txt", "1 1.0 2.0 3.0 4.0\n2 0 0 eight 6\n3 2.5 1.5 4 2\n");
  CHECK_THAT(error_message([&] { open_cub(t.dir(), "all"); }),
             Catch::Contains("bounding_boxes.txt:2") && Catch::Contains("'eight' is not a number"));
  t.text("bounding_boxes.txt", "1 1.0 2.0 3.0\n");
  CHECK_THAT(error_message([&] { open_cub(t.dir(), "all"); }), Catch::Contains("bounding_boxes.txt:1"));
  CHECK_THAT(error_message([&] { open_cub(t.dir(), "validation"); }), Catch::Contains("validation"));
}

TEST_CASE("ILSVRC2012: class folders, validation boxes from XML, list files", "[datasets]") {
  Tree t;
  t.image("train/n02/x.JPEG");
  t.image("train/n01/y.JPEG");
  t.image("train/n01/z.png");
  t.image("val/ILSVRC2012_val_00000001.JPEG");
  t.image("val/ILSVRC2012_val_00000002.JPEG");
  t.text("val/ILSVRC2012_val_00000001.xml", voc_xml("ILSVRC2012_val_00000001", {{"n02", {1, 1, 5, 4}}, {"n02", {0, 0, 2, 2}}}));
  t.text("val_boxes/ILSVRC2012_val_00000002.xml", voc_xml("ILSVRC2012_val_00000002", {{"n01", {2, 2, 7, 5}}}));
  const auto train = open_imagenet(t.dir(), "train");
  REQUIRE(train->size() == 3);
  CHECK(train->class_names() == std::vector<std::string>{"n01", "n02"});
  CHECK(train->sample(0).label == 0);
  CHECK(train->sample(2).label == 1);
  CHECK(train->sample(2).image_path == t.path("train/n02/x.JPEG"));
  const auto val = open_imagenet(t.dir(), "val");
  REQUIRE(val->size() == 2);
  CHECK(val->sample(0).label == 1);
  CHECK(val->sample(0).boxes.size() == 2);
  CHECK(val->sample(1).label == 0);
  CHECK(val->sample(1).boxes.at(0).x1 == 7.0f);

  t.text("train.txt", "n02/x.JPEG 1\nn01/y.JPEG 0\n");
  const auto listed = open_imagenet(t.dir(), "train");
  REQUIRE(listed->size() == 2);
  CHECK(listed->sample(0).image_path == t.path("train/n02/x.JPEG"));
  t.text("train.txt", "n02/x.JPEG one\n");
  CHECK_THAT(error_message([&] { open_imagenet(t.dir(), "train"); }), Catch::Contains("train.txt:1"));
  t.text("val/ILSVRC2012_val_00000001.xml", "<annotation><object><name>n02</name><bndbox><xmin>1</xmin>\n</annotation>");
  CHECK_THAT(error_message([&] { open_imagenet(t.dir(), "val"); }),
             Catch::Contains("ILSVRC2012_val_00000001.xml:") && Catch::Contains("malformed XML"));
}

TEST_CASE("PASCAL VOC: split lists, image classes, palette and gray masks", "[datasets]") {
  Tree t;
  t.image("JPEGImages/2007_000001.jpg");
  t.image("JPEGImages/2007_000002.jpg");
  t.text("ImageSets/Segmentation/train.txt", "2007_000001\n2007_000002\n");
  t.text("ImageSets/SegmentationAug/train_aug.txt", "/JPEGImages/2007_000002.jpg /SegmentationClassAug/2007_000002.png\n");
  t.text("Annotations/2007_000001.xml", voc_xml("2007_000001.jpg", {{"person", {1, 1, 4, 4}}, {"dog", {2, 2, 6, 5}}, {"person", {0, 0, 1, 1}}}));
  // SegmentationClass: colours of VOC's palette (0 background, 15 person
  // = (192, 128, 128), 255 border = (224, 224, 192)).
  Image palette(3, 1);
  const std::uint8_t colours[9] = {0, 0, 0, 192, 128, 128, 224, 224, 192};
  std::copy_n(colours, 9, palette.pixels.data());
  fs::create_directories(t.root / "SegmentationClass");
  write_png(t.path("SegmentationClass/2007_000001.png"), palette);
  // SegmentationClassAug: the class index as a gray value.
  Image gray(2, 1);
  const std::uint8_t indices[6] = {12, 12, 12, 255, 255, 255};
  std::copy_n(indices, 6, gray.pixels.data());
  fs::create_directories(t.root / "SegmentationClassAug");
  write_png(t.path("SegmentationClassAug/2007_000002.png"), gray);

  const auto train = open_voc(t.dir(), "train");
  REQUIRE(train->size() == 2);
  CHECK(train->class_names().size() == 20);
  CHECK(train->sample(0).labels == std::vector<int>{11, 14});  // dog, person
  CHECK(train->sample(0).label == -1);
  CHECK(train->sample(0).boxes.size() == 3);
  int w = 0, h = 0;
  CHECK(train->load_mask(0, w, h) == std::vector<std::uint8_t>{0, 15, 255});
  CHECK((w == 3 && h == 1));
  CHECK(train->load_mask(1, w, h) == std::vector<std::uint8_t>{12, 255});
  const auto aug = open_voc(t.dir(), "train_aug");
  REQUIRE(aug->size() == 1);
  CHECK(aug->sample(0).mask_path == t.path("SegmentationClassAug/2007_000002.png"));
  CHECK_THAT(error_message([&] { open_voc(t.dir(), "val"); }), Catch::Contains("no list for split 'val'"));

  // Masks are class ids, whatever the PNG layout (fixtures written by Pillow,
  // tests/data/labels): 16-bit gray keeps its values; a value that is not a
  // class is refused naming the file and the pixel.
  const fs::path labels = fs::path(C2AM_TEST_DATA_DIR) / "labels";
  const auto mask_of = [&](const std::string& fixture) {
    fs::copy_file(labels / fixture, t.root / "SegmentationClassAug/2007_000002.png",
                  fs::copy_options::overwrite_existing);
    int mw = 0, mh = 0;
    return aug->load_mask(0, mw, mh);
  };
  const LabelMap gray16 = read_label_png((labels / "gray16_voc.png").string());
  const std::vector<std::uint8_t> expected(gray16.ids.begin(), gray16.ids.end());
  CHECK(std::count(expected.begin(), expected.end(), 15) > 0);
  CHECK(mask_of("gray16_voc.png") == expected);
  const LabelMap palette8 = read_label_png((labels / "palette8.png").string());
  CHECK(mask_of("palette8.png") == std::vector<std::uint8_t>(palette8.ids.begin(), palette8.ids.end()));
  CHECK_THAT(error_message([&] { mask_of("gray16.png"); }),
             Catch::Contains("2007_000002.png: pixel (x 0, y 0) holds the value 65535, not a VOC class"));
  CHECK_THAT(error_message([&] { mask_of("labels.jpg"); }), Catch::Contains("not a PNG"));
}

TEST_CASE("folders annotated with Pascal-VOC XML, in three layouts", "[datasets]") {
  SECTION("flat images/ + annotations/, paired by <filename>") {
    Tree t;
    t.image("images/photo_a.png");
    t.image("images/photo_b.jpg");
    t.text("annotations/0001.xml", voc_xml("photo_b.jpg", {{"cat", {1, 1, 3, 3}}}));
    t.text("annotations/0002.xml", voc_xml("photo_a.png", {{"apple", {0, 0, 2, 2}}, {"cat", {4, 4, 6, 5}}}));
    const auto d = open_voc_xml(t.dir());
    REQUIRE(d->size() == 2);
    CHECK(d->class_names() == std::vector<std::string>{"apple", "cat"});
    CHECK(d->sample(0).image_path == t.path("images/photo_b.jpg"));
    CHECK(d->sample(0).label == 1);
    CHECK(d->sample(1).labels == std::vector<int>{0, 1});
  }
  SECTION("VOC layout and XML beside images") {
    Tree voc;
    voc.image("JPEGImages/x.jpg");
    voc.text("Annotations/x.xml", voc_xml("x.jpg", {{"boat", {1, 2, 3, 4}}}));
    CHECK(open_voc_xml(voc.dir())->sample(0).boxes.at(0).y1 == 4.0f);
    Tree beside;
    beside.image("pic.png");
    beside.text("pic.xml", voc_xml("", {{"boat", {1, 2, 3, 4}}}));  // no <filename>: the XML's name decides
    CHECK(open_voc_xml(beside.dir())->sample(0).image_path == beside.path("pic.png"));
  }
  SECTION("errors name the XML file and line") {
    Tree t;
    t.image("images/a.jpg");
    t.text("annotations/a.xml", "<annotation>\n<object><name>cat</name>\n<bndbox><xmin>1</xmin><ymin>x</ymin><xmax>2</xmax><ymax>3</ymax></bndbox></object></annotation>");
    CHECK_THAT(error_message([&] { open_voc_xml(t.dir()); }), Catch::Contains("a.xml:3") && Catch::Contains("<ymin> 'x'"));
    t.text("annotations/a.xml", voc_xml("missing.jpg", {}));
    fs::remove(t.path("images/a.jpg"));
    CHECK_THAT(error_message([&] { open_voc_xml(t.dir()); }), Catch::Contains("missing.jpg") && Catch::Contains("not found"));
  }
}

TEST_CASE("plain image folders and dataset specs", "[datasets]") {
  Tree t;
  t.image("b/2.JPG");
  t.image("a.png");
  t.image("b/1.jpeg");
  t.text("notes.txt", "not an image");
  const auto d = open_image_folder(t.dir());
  REQUIRE(d->size() == 3);
  CHECK(d->sample(0).image_path == t.path("a.png"));
  CHECK(d->sample(2).image_path == t.path("b/2.JPG"));
  CHECK(open_dataset("folder:" + t.dir(), "")->size() == 3);
  CHECK(open_dataset("synthetic:12", "train")->size() == 12);
  CHECK_THAT(error_message([&] { open_dataset("coco:" + t.dir(), ""); }), Catch::Contains("unknown kind 'coco'"));
  CHECK_THAT(error_message([&] { open_dataset("cub", ""); }), Catch::Contains("needs a directory"));
  CHECK_THAT(error_message([&] { open_dataset("folder:" + t.path("absent"), ""); }), Catch::Contains("does not exist"));
  fs::create_directories(t.root / "empty");
  CHECK_THAT(error_message([&] { open_image_folder(t.path("empty")); }), Catch::Contains("has no images"));
  CHECK_THAT(error_message([&] { open_dataset("synthetic:lots", "train"); }), Catch::Contains("'lots'"));
}

TEST_CASE("the synthetic dataset is deterministic and its boxes and masks are exact", "[datasets]") {
  SyntheticConfig config;
  config.count = 24;
  config.image_size = 64;
  config.seed = 9;
  const auto a = make_synthetic(config), b = make_synthetic(config);
  config.seed = 10;
  const auto other = make_synthetic(config);
  std::set<int> shapes;
  for (std::size_t i = 0; i < a->size(); ++i) {
    INFO("image " << i);
    const Image image = a->load_image(i);
    REQUIRE(image.pixels == b->load_image(i).pixels);
    REQUIRE(image.pixels != other->load_image(i).pixels);
    int w = 0, h = 0;
    const auto mask = a->load_mask(i, w, h);
    REQUIRE((w == 64 && h == 64));
    // The box is the bounding rectangle of the mask, x1 = x0 + width.
    int x0 = 64, y0 = 64, x1 = 0, y1 = 0;
    double object[3] = {0, 0, 0}, background[3] = {0, 0, 0};
    int object_pixels = 0;
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) {
        const bool in = mask[y * 64 + x] == 1;
        if (in) x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x + 1), y1 = std::max(y1, y + 1);
        object_pixels += in;
        for (int ch = 0; ch < 3; ++ch) (in ? object : background)[ch] += image.at(x, y)[ch];
      }
    const Box box = a->sample(i).boxes.at(0);
    REQUIRE((box.x0 == x0 && box.y0 == y0 && box.x1 == x1 && box.y1 == y1));
    REQUIRE(object_pixels > 64 * 64 / 50);
    REQUIRE(object_pixels < 64 * 64 / 2);
    // The object stands out from the background on average.
    double distance = 0;
    for (int ch = 0; ch < 3; ++ch) {
      distance += std::abs(object[ch] / object_pixels - background[ch] / (64 * 64 - object_pixels));
    }
    CHECK(distance > 30);
    shapes.insert(a->sample(i).label);
  }
  CHECK(shapes.size() == 4);
}

TEST_CASE("every image has one identity: its path below the dataset root", "[datasets][identity]") {
  Tree t;
  t.image("photos/a.jpg");
  t.image("photos/a.png");
  t.image("photos/cats/0001.jpg");
  t.image("photos/dogs/0001.jpg");
  t.image("photos/b.png");
  const auto folder = open_image_folder(t.path("photos"));
  std::map<std::string, std::string> id_of;
  for (const Sample& s : folder->samples()) id_of[fs::path(s.image_path).lexically_relative(t.root).string()] = s.id;
  CHECK(id_of == std::map<std::string, std::string>{{"photos/a.jpg", "a.jpg"},
                                                    {"photos/a.png", "a.png"},
                                                    {"photos/b.png", "b"},
                                                    {"photos/cats/0001.jpg", "cats/0001"},
                                                    {"photos/dogs/0001.jpg", "dogs/0001"}});
  CHECK(folder->sample(0).relative_path == "a.jpg");

  // A trailing slash or "./" in the root changes nothing.
  CHECK(open_image_folder(t.path("photos") + "/")->sample(3).id == "cats/0001");

  // VOC: the image id of the list; ImageNet: the path below the split folder.
  t.text("VOC/ImageSets/Segmentation/train.txt", "2007_000032\n");
  t.image("VOC/JPEGImages/2007_000032.jpg");
  CHECK(open_voc(t.path("VOC"), "train")->sample(0).id == "2007_000032");
  t.image("net/train/n01/y.JPEG");
  CHECK(open_imagenet(t.path("net"), "train")->sample(0).id == "n01/y");
  CHECK(open_dataset("synthetic:3", "train")->sample(2).id == "image_2");

  // An image listed twice is refused, naming it.
  t.text("net/train.txt", "n01/y.JPEG 0\nn01/y.JPEG 0\n");
  CHECK_THAT(error_message([&] { open_imagenet(t.path("net"), "train"); }),
             Catch::Contains("n01/y.JPEG") && Catch::Contains("same identity"));
  t.text("VOC/ImageSets/Segmentation/train.txt", "2007_000032\n2007_000032\n");
  CHECK_THAT(error_message([&] { open_voc(t.path("VOC"), "train"); }), Catch::Contains("same identity '2007_000032'"));
}

TEST_CASE("voc-xml: and folder: splits come from list files, and unknown splits are refused", "[datasets][splits]") {
  Tree t;
  for (const char* name : {"a", "b", "c"}) {
    t.image(std::string("data/") + name + ".png");
    t.text(std::string("data/") + name + ".xml", voc_xml(std::string(name) + ".png", {{"bird", {1, 1, 5, 4}}}));
  }
  CHECK(open_voc_xml(t.path("data"))->size() == 3);
  CHECK(dataset_splits("voc-xml:" + t.path("data")) == std::vector<std::string>{"all"});
  CHECK_THAT(error_message([&] { open_voc_xml(t.path("data"), "val"); }),
             Catch::Contains("has no split 'val'") && Catch::Contains("splits/val.txt") &&
                 Catch::Contains("its splits: all"));

  t.text("data/splits/val.txt", "c\nb.png\n");  // identity or path below the root
  t.text("data/splits/test.txt", "a\n");
  const auto val = open_voc_xml(t.path("data"), "val");
  REQUIRE(val->size() == 2);
  CHECK(val->sample(0).id == "c");  // the list's order
  CHECK(val->sample(1).id == "b");
  CHECK(open_dataset("voc-xml:" + t.path("data"), "test")->sample(0).id == "a");
  CHECK(open_dataset("voc-xml:" + t.path("data"), "all")->size() == 3);
  CHECK(dataset_splits("voc-xml:" + t.path("data")) == std::vector<std::string>{"test", "val", "all"});
  CHECK_THAT(error_message([&] { open_voc_xml(t.path("data"), "tets"); }), Catch::Contains("its splits: test, val, all"));
  t.text("data/splits/val.txt", "c\nd\n");
  CHECK_THAT(error_message([&] { open_voc_xml(t.path("data"), "val"); }),
             Catch::Contains("splits/val.txt:2") && Catch::Contains("no image 'd'"));
  t.text("data/splits/val.txt", "c\nc.png\n");
  CHECK_THAT(error_message([&] { open_voc_xml(t.path("data"), "val"); }), Catch::Contains("listed twice"));

  t.image("photos/x y.png");  // a name with a space
  t.image("photos/z.png");
  t.text("photos/splits/train.txt", "x y\n");
  CHECK(open_image_folder(t.path("photos"), "train")->sample(0).relative_path == "x y.png");
  CHECK(open_image_folder(t.path("photos"))->size() == 2);

  CHECK_THAT(error_message([&] { open_dataset("synthetic:4", "tets"); }),
             Catch::Contains("synthetic split must be train, val or test, got 'tets'"));
  CHECK(dataset_splits("cub:" + t.dir()) == std::vector<std::string>{"train", "test", "all"});
}

TEST_CASE("annotations are checked against the decoded picture", "[datasets][annotations]") {
  Sample s;
  s.image_path = "pic.jpg";
  s.annotation = "pic.xml";
  s.annotated_width = 160;
  s.annotated_height = 120;
  s.boxes = {{10, 10, 50, 40, 0}};
  CHECK(check_boxes_against_image(s, 160, 120).empty());
  // The picture is not the size the annotation declares (e.g. rotated).
  CHECK_THAT(error_message([&] { check_boxes_against_image(s, 120, 160); }),
             Catch::Contains("pic.xml declares a 160x120 picture") && Catch::Contains("pic.jpg (120x160)"));
  // Wholly outside: refused, naming the annotation and the box.
  s.boxes = {{10, 10, 50, 40, 0}, {360, 232, 418, 290, 0}};
  CHECK_THAT(error_message([&] { check_boxes_against_image(s, 160, 120); }),
             Catch::Contains("pic.xml: box (360, 232)-(418, 290) lies wholly outside pic.jpg (160x120)"));
  s.boxes = {{160, 0, 170, 10, 0}};  // touching the right edge from outside
  CHECK_THROWS(check_boxes_against_image(s, 160, 120));
  s.boxes = {{5, 5, 5, 9, 0}};
  CHECK_THAT(error_message([&] { check_boxes_against_image(s, 160, 120); }), Catch::Contains("is empty"));
  // Sticking out: a warning, the box kept as given.
  s.boxes = {{150, 100, 170, 125, 0}, {0, 0, 160, 120, 0}};
  const auto warnings = check_boxes_against_image(s, 160, 120);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("box (150, 100)-(170, 125) sticks out of pic.jpg (160x120)"));
  // No declared size (0): only the boxes are checked.
  s.annotated_width = s.annotated_height = 0;
  CHECK(check_boxes_against_image(s, 640, 480).empty());
}

TEST_CASE("names the file system refuses and degenerate list lines are errors naming the file", "[datasets][fuzz]") {
  Tree t;
  t.image("net/val/x.png");
  t.image("voc/JPEGImages/x.jpg");
  const std::string long_name(300, 'n');
  t.text("net/val.txt", long_name + ".png\n");
  CHECK_THAT(error_message([&] { open_imagenet(t.path("net"), "val"); }), Catch::Contains("File name too long"));
  t.text("voc/ImageSets/Segmentation/train.txt", long_name + "\n");
  fs::create_directories(t.root / "voc/Annotations");
  // The list file and line the name came from are named too.
  CHECK_THAT(error_message([&] { open_voc(t.path("voc"), "train"); }),
             Catch::Contains("File name too long") && Catch::Contains("train.txt:1: "));
  t.text("voc/ImageSets/Segmentation/train.txt", "/JPEGImages/x.jpg ///\n");
  CHECK_THAT(error_message([&] { open_voc(t.path("voc"), "train"); }),
             Catch::Contains("train.txt:1") && Catch::Contains("names no file"));
  t.text("voc/ImageSets/Segmentation/train.txt", "/\n");
  CHECK_THAT(error_message([&] { open_voc(t.path("voc"), "train"); }), Catch::Contains("names no image"));
  t.image("vocxml/a.png");
  t.text("vocxml/a.xml", "<annotation><filename>" + long_name + "</filename></annotation>\n");
  CHECK_THAT(error_message([&] { open_voc_xml(t.path("vocxml")); }),
             Catch::Contains("File name too long") && Catch::Contains("a.xml (<filename>): "));
}

TEST_CASE("VOC XML sizes must be numbers", "[datasets]") {
  Tree t;
  t.image("data/a.png", 8, 6);
  t.text("data/a.xml", "<annotation><filename>a.png</filename><size><width>abc</width><height>6</height></size>"
                       "<object><name>x</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>4</xmax><ymax>4</ymax></bndbox>"
                       "</object></annotation>\n");
  CHECK_THAT(error_message([&] { open_voc_xml(t.path("data")); }),
             Catch::Contains("a.xml:1") && Catch::Contains("<width> 'abc' is not a size in pixels"));
}
