// The `c2am` command end to end: option errors before any work, a short
// training run, and maps written as .npy and PNG.

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "c2am/c2am.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::TempDir;
namespace fs = std::filesystem;

namespace {

struct Run {
  int status;
  std::string output;
};

Run c2am_command(const std::string& arguments) {
  const std::string command = std::string(C2AM_CLI) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  Run run{0, {}};
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe)) run.output += buffer.data();
  run.status = pclose(pipe);
  return run;
}

const std::string kTiny = "--backbone resnet18 --base-width 4 --batch 8 --resize 72 --crop 64 --no-progress";

}  // namespace

TEST_CASE("bad options and paths fail before any work", "[cli]") {
  TempDir dir;
  const std::string out = dir.str() + "/out";
  Run r = c2am_command("train --data synthetic --bogus 1 --out " + out);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("bogus"));
  r = c2am_command("train --data synthetic --weights " + dir.str() + "/absent.safetensors --out " + out);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("absent.safetensors"));
  r = c2am_command("train --data folder:" + dir.str() + "/absent --out " + out + " " + kTiny);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("does not exist"));
  r = c2am_command("train --data synthetic --recipe coco --out " + out);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("coco"));
  r = c2am_command("train --data synthetic --backbone vgg16 --out " + out);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("vgg16"));
  CHECK_FALSE(fs::exists(out));
  r = c2am_command("");
  CHECK(r.status != 0);
  CHECK(c2am_command("maps --help").status == 0);

  // Output paths that cannot be written are refused before the model is read
  // (the weights here are not a model at all).
  const std::string weights = dir.str() + "/not-a-model.safetensors", a_file = dir.str() + "/a_file.txt";
  std::ofstream(weights) << "x";
  std::ofstream(a_file) << "precious";
  fs::create_directories(dir.path / "a_dir");
  r = c2am_command("maps --weights " + weights + " --data synthetic:2 --out " + a_file);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains(a_file + " is a file, not a folder"));
  r = c2am_command("wsol vis --weights " + weights + " --data synthetic:2 --threshold 0.5 --out " + a_file + "/vis");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains(a_file + " is a file, not a folder"));
  r = c2am_command("wsol boxes --weights " + weights + " --data synthetic:2 --threshold 0.5 --out " + dir.str() + "/a_dir");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("a_dir is a folder, not a file"));
  r = c2am_command("wsss cues --data synthetic:2 --maps " + dir.str() + " --out " + a_file);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains(a_file + " is a file, not a folder"));
  const std::string predictions = dir.str() + "/predictions.txt";
  std::ofstream(predictions) << "image_0.png cat\n";
  r = c2am_command("wsol eval --weights " + weights + " --data synthetic:2 --predictions " + predictions + " --out " +
                   dir.str() + "/m.json");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains(predictions + ":1: class 'cat' is not a class id"));
  CHECK_THAT(r.output, !Catch::Contains("unexpected"));
  std::ifstream kept(a_file);
  CHECK(std::string(std::istreambuf_iterator<char>(kept), {}) == "precious");
}

TEST_CASE("train, then maps of a folder", "[cli]") {
  TempDir dir;
  const std::string out = dir.str() + "/run";
  Run r = c2am_command("train --data synthetic:16 --epochs 1 --out " + out + " " + kTiny);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(fs::exists(out + "/model.safetensors"));
  CHECK(fs::exists(out + "/checkpoint.safetensors"));

  fs::create_directories(dir.path / "images");
  // Same stems in one folder and in two: one output each, named after the
  // path below the folder (the extension kept only where stems collide).
  fs::create_directories(dir.path / "images/sub1");
  fs::create_directories(dir.path / "images/sub2");
  Image a(50, 30), b(20, 40);
  write_png(dir.str() + "/images/a.png", a);
  write_jpeg(dir.str() + "/images/a.jpg", Image(36, 24), 95);
  write_png(dir.str() + "/images/b.png", b);
  write_png(dir.str() + "/images/sub1/x.png", Image(12, 10));
  write_png(dir.str() + "/images/sub2/x.png", Image(10, 12));
  r = c2am_command("maps --weights " + out + "/model.safetensors --data " + dir.str() + "/images --size 64 --out " +
                   dir.str() + "/maps");
  INFO(r.output);
  REQUIRE(r.status == 0);
  Shape shape;
  const auto map = read_npy(dir.str() + "/maps/a.png.npy", shape);
  CHECK(shape == Shape{30, 50});
  for (float v : map) REQUIRE((v >= 0.0f && v <= 1.0f));
  (void)read_npy(dir.str() + "/maps/a.jpg.npy", shape);
  CHECK(shape == Shape{24, 36});
  (void)read_npy(dir.str() + "/maps/b.npy", shape);
  CHECK(shape == Shape{40, 20});
  (void)read_npy(dir.str() + "/maps/sub1/x.npy", shape);
  CHECK(shape == Shape{10, 12});
  (void)read_npy(dir.str() + "/maps/sub2/x.npy", shape);
  CHECK(shape == Shape{12, 10});
  CHECK(read_image(dir.str() + "/maps/b.png").width == 20);
  CHECK(read_image(dir.str() + "/maps/sub2/x.png").width == 10);
  std::size_t outputs = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path / "maps")) outputs += e.is_regular_file();
  CHECK(outputs == 10);
  // Maps also work from the checkpoint.
  r = c2am_command("maps --weights " + out + "/checkpoint.safetensors --data " + dir.str() +
                   "/images --size 64 --no-png --out " + dir.str() + "/maps2");
  REQUIRE(r.status == 0);
  CHECK(read_npy(dir.str() + "/maps2/a.png.npy", shape) == map);
}

TEST_CASE("the demo writes metrics, pictures, the log and a self-contained report", "[cli][demo]") {
  TempDir dir;
  const std::string out = dir.str() + "/demo";
  const Run r = c2am_command("demo --quick --no-progress --out " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("report: " + out + "/report.html"));
  std::ifstream metrics_file(out + "/metrics.json");
  const std::string metrics((std::istreambuf_iterator<char>(metrics_file)), std::istreambuf_iterator<char>());
  for (const char* key : {"\"gt_known_loc\"", "\"max_box_acc_v2\"", "\"threshold\"", "\"baseline_full_image\"",
                          "\"baseline_center\"", "\"threshold_chosen_on\": \"validation\""}) {
    INFO(key);
    CHECK_THAT(metrics, Catch::Contains(key));
  }
  std::ifstream report_file(out + "/report.html");
  const std::string report((std::istreambuf_iterator<char>(report_file)), std::istreambuf_iterator<char>());
  CHECK_THAT(report, Catch::Contains("<svg") && Catch::Contains("data:image/png;base64,") &&
                         Catch::Contains("GT-known Loc"));
  CHECK(report.find("src='http") == std::string::npos);  // nothing fetched from elsewhere
  CHECK(fs::exists(out + "/train/log.jsonl"));
  CHECK(fs::exists(out + "/vis/test_0.png"));
  // The second stage ran from the pseudo boxes it wrote, and is reported.
  const auto parsed = nlohmann::json::parse(metrics);
  REQUIRE(parsed.contains("second_stage"));
  for (const char* part : {"regressor", "map_boxes"})
    for (const char* key : {"gt_known_loc", "top1_loc", "top5_loc"}) {
      const double v = parsed["second_stage"][part][key].get<double>();
      CHECK((v >= 0 && v <= 1));
    }
  CHECK(parsed["second_stage"]["regressor"]["top1_loc"].get<double>() <=
        parsed["second_stage"]["regressor"]["gt_known_loc"].get<double>());
  CHECK(wsol::read_pseudo_boxes(out + "/pseudo_boxes.json").by_id.size() == 64);
  CHECK(fs::exists(out + "/regressor/model.safetensors"));
  CHECK(fs::exists(out + "/classifier/model.safetensors"));
  CHECK_THAT(report, Catch::Contains("Second stage") && Catch::Contains("box regressor"));

  // The wsol subcommands on the demo's model.
  const std::string model = out + "/train/model.safetensors", common = " --resize 96 --crop 96 --data synthetic:12";
  Run eval = c2am_command("wsol eval --weights " + model + common + " --out " + dir.str() + "/wsol/metrics.json");
  INFO(eval.output);
  REQUIRE(eval.status == 0);
  CHECK_THAT(eval.output, Catch::Contains("<- chosen") && Catch::Contains("MaxBoxAccV2"));
  CHECK_THAT(eval.output, Catch::Contains("wsol eval test") && Catch::Contains("wsol eval val"));  // progress
  std::ifstream eval_file(dir.str() + "/wsol/metrics.json");
  const std::string eval_json((std::istreambuf_iterator<char>(eval_file)), std::istreambuf_iterator<char>());
  CHECK_THAT(eval_json, Catch::Contains("\"threshold_chosen_on\": \"val\"") && Catch::Contains("\"per_threshold\""));
  CHECK(c2am_command("wsol eval --pick-on-test --protocol release --weights " + model + common + " --out " + dir.str() +
                     "/wsol/release.json").status == 0);
  Run boxes = c2am_command("wsol boxes --threshold 0.5 --weights " + model + common + " --out " + dir.str() + "/wsol/boxes.json");
  REQUIRE(boxes.status == 0);
  std::ifstream boxes_file(dir.str() + "/wsol/boxes.json");
  const std::string boxes_json((std::istreambuf_iterator<char>(boxes_file)), std::istreambuf_iterator<char>());
  CHECK(std::count(boxes_json.begin(), boxes_json.end(), '[') >= 13);  // the list and 12 boxes
  // The API's localize gives the box `wsol boxes` wrote, at the same threshold.
  {
    std::ifstream again(dir.str() + "/wsol/boxes.json");
    const auto written = nlohmann::json::parse(again).at("images").at(0).at("box");
    TrainedModel trained = load_trained_model(model);
    wsol::EvalOptions options;
    options.resize = options.crop = 96;
    options.flipped = trained.flipped;
    const auto data = open_dataset("synthetic:12", "train");  // wsol boxes' default split
    const std::optional<Box> box = wsol::localize(*trained.model, data->load_image(0), 0.5, options);
    REQUIRE(box.has_value());
    CHECK(written == nlohmann::json({box->x0, box->y0, box->x1, box->y1}));
  }
  // At threshold 1 no pixel is strictly above the maximum: no box, said so.
  Run none = c2am_command("wsol boxes --threshold 1 --weights " + model + common + " --out " + dir.str() + "/wsol/none.json");
  REQUIRE(none.status == 0);
  CHECK_THAT(none.output, Catch::Contains("12 image(s) have no pixel above threshold 1.00"));
  std::ifstream none_file(dir.str() + "/wsol/none.json");
  CHECK(nlohmann::json::parse(none_file).at("images").at(0).at("box").is_null());
  CHECK(c2am_command("wsol vis --threshold 0.5 --limit 2 --weights " + model + common + " --out " + dir.str() + "/wsol/vis").status == 0);
  CHECK(fs::exists(dir.str() + "/wsol/vis/image_1.png"));
  CHECK(c2am_command("wsol boxes --weights " + model + common).status != 0);  // --threshold is required
}

TEST_CASE("wsss maps, cues and eval on synthetic data, with CAMs refined by the cues", "[cli][wsss]") {
  TempDir dir;
  const std::string model = dir.str() + "/run", data = " --data synthetic:24 --split test --no-progress";
  Run r = c2am_command("train --data synthetic:16 --epochs 1 --out " + model + " " + kTiny);
  INFO(r.output);
  REQUIRE(r.status == 0);
  r = c2am_command("wsss maps --weights " + model + "/model.safetensors --scales 0.5,1" + data + " --out " +
                   dir.str() + "/maps");
  INFO(r.output);
  REQUIRE(r.status == 0);
  r = c2am_command("wsss cues --maps " + dir.str() + "/maps" + data + " --out " + dir.str() + "/cues");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto dataset = open_dataset("synthetic:24", "test");
  REQUIRE(dataset->size() > 0);
  const Image cue = read_image(dir.str() + "/cues/image_0.png");
  const Image image = dataset->load_image(0);
  CHECK(cue.width == image.width);
  for (std::size_t p = 0; p < cue.pixels.size(); ++p) REQUIRE((cue.pixels[p] == 0 || cue.pixels[p] == 255));

  // "Another method's CAMs": one channel of class 1 per image, from the maps.
  fs::create_directories(dir.path / "cams");
  for (std::size_t i = 0; i < dataset->size(); ++i) {
    Shape shape;
    const std::string stem = "image_" + std::to_string(i);
    const auto map = read_npy(dir.str() + "/maps/" + stem + ".npy", shape);
    write_npy(dir.str() + "/cams/" + stem + ".npy", map, {1, shape[0], shape[1]});
    std::ofstream(dir.str() + "/cams/" + stem + ".classes.txt") << "1\n";
  }
  r = c2am_command("wsss eval --cues " + dir.str() + "/cues --cams " + dir.str() + "/cams --json " + dir.str() +
                   "/miou.json" + data);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("foreground") && Catch::Contains("mIoU") && Catch::Contains("21 classes"));
  std::ifstream json(dir.str() + "/miou.json");
  const std::string text((std::istreambuf_iterator<char>(json)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("\"cues\"") && Catch::Contains("\"refined_cams\""));

  // A missing map is named.
  fs::remove(dir.str() + "/maps/image_3.npy");
  r = c2am_command("wsss cues --maps " + dir.str() + "/maps" + data + " --out " + dir.str() + "/cues2");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("image_3.npy"));
  // CAMs of the wrong shape are named with both shapes.
  write_npy(dir.str() + "/cams/image_0.npy", std::vector<float>(10, 0.0f), {1, 2, 5});
  r = c2am_command("wsss eval --cues " + dir.str() + "/cues --cams " + dir.str() + "/cams" + data);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("image_0.npy") && Catch::Contains("[1, 2, 5]"));
  // A class id that is no class of the dataset is named with its file.
  write_npy(dir.str() + "/cams/image_0.npy", std::vector<float>(96 * 96, 0.0f), {1, 96, 96});
  std::ofstream(dir.str() + "/cams/image_1.classes.txt") << "21\n";
  r = c2am_command("wsss eval --cues " + dir.str() + "/cues --cams " + dir.str() + "/cams" + data);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("image_1.classes.txt") && Catch::Contains("class id 21"));
}

TEST_CASE("dataset folders: a bare folder and a folder without supported images are explained", "[cli]") {
  TempDir dir;
  std::ofstream(dir.str() + "/a.gif") << "GIF89a";
  Run r = c2am_command("train --data " + dir.str() + " --out " + dir.str() + "/run");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("did you mean folder:" + dir.str()));
  r = c2am_command("train --data folder:" + dir.str() + " --out " + dir.str() + "/run");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains(".jpg, .jpeg, .png, .bmp") && Catch::Contains("1 file(s) of other kinds"));
}

TEST_CASE("wsol eval --maps scores maps from files as wsolevaluation and the release do", "[cli][wsol]") {
  // The shared reference fixture as a user would have it: a voc-xml folder
  // of images (blank, of the fixture's sizes) with their boxes, and a folder
  // of .npy maps named after the images.
  TempDir dir;
  const std::string fixture = std::string(C2AM_TEST_DATA_DIR) + "/wsol-reference";
  fs::create_directories(dir.str() + "/data");
  fs::create_directories(dir.str() + "/maps");
  std::ifstream sizes(fixture + "/images.tsv"), boxes_tsv(fixture + "/boxes.tsv");
  std::string line;
  std::getline(sizes, line);
  std::getline(boxes_tsv, line);
  std::map<std::string, std::string> objects;
  while (std::getline(boxes_tsv, line)) {
    std::istringstream f(line);
    std::string id, x0, y0, x1, y1;
    f >> id >> x0 >> y0 >> x1 >> y1;
    objects[id] += "<object><name>thing</name><bndbox><xmin>" + x0 + "</xmin><ymin>" + y0 + "</ymin><xmax>" + x1 +
                   "</xmax><ymax>" + y1 + "</ymax></bndbox></object>";
  }
  while (std::getline(sizes, line)) {
    std::istringstream f(line);
    std::string id;
    int width = 0, height = 0;
    f >> id >> width >> height;
    write_png(dir.str() + "/data/" + id + ".png", Image(width, height));
    std::ofstream(dir.str() + "/data/" + id + ".xml")
        << "<annotation><filename>" << id << ".png</filename><size><width>" << width << "</width><height>" << height
        << "</height></size>" << objects.at(id) << "</annotation>\n";
    fs::copy_file(fixture + "/maps/" + id + ".npy", dir.str() + "/maps/" + id + ".png.npy");
  }
  const std::string common = " --maps " + dir.str() + "/maps --data voc-xml:" + dir.str() + "/data --json " + dir.str();
  const auto metrics_of = [](const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  };
  for (const std::string input_size : {"0", "224"}) {
    Run r = c2am_command("wsol eval --input-size " + input_size + common + "/w" + input_size + ".json");
    INFO(r.output);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.output, Catch::Contains("MaxBoxAccV2 53.33%"));
    const auto m = metrics_of(dir.str() + "/w" + input_size + ".json");
    CHECK(m.at("max_box_acc_v2").get<double>() == Approx(0.53333333333333333).epsilon(1e-12));
    CHECK(m.at("max_box_acc").at("0.3").get<double>() == Approx(47.0 / 60).epsilon(1e-12));
    CHECK(m.at("curves").at("box_acc").at("0.5").size() == 100);
  }
  Run release = c2am_command("wsol eval --protocol release --resize 480 --crop 448" + common + "/r.json");
  INFO(release.output);
  REQUIRE(release.status == 0);
  CHECK(metrics_of(dir.str() + "/r.json").at("gt_known_loc").get<double>() == Approx(22.0 / 60).epsilon(1e-12));

  // A map holding NaN is refused, naming its file.
  std::vector<float> nan_values(49, 0.5f);
  nan_values[3] = std::nanf("");
  write_npy(dir.str() + "/maps/0000.png.npy", nan_values, {7, 7});
  Run nan_run = c2am_command("wsol eval" + common + "/x.json");
  CHECK(nan_run.status != 0);
  CHECK_THAT(nan_run.output, Catch::Contains("0000.png.npy") && Catch::Contains("non-finite"));
  fs::copy_file(fixture + "/maps/0000.npy", dir.str() + "/maps/0000.png.npy", fs::copy_options::overwrite_existing);

  // Options that mean nothing with --maps are refused, and so is an output
  // path that cannot be written, before any work.
  Run pick = c2am_command("wsol eval --pick-on-test" + common + "/x.json");
  CHECK(pick.status != 0);
  CHECK_THAT(pick.output, Catch::Contains("--pick-on"));
  std::ofstream(dir.str() + "/plain_file") << "x";
  Run unwritable = c2am_command("wsol eval" + common + "/plain_file/x.json");
  CHECK(unwritable.status != 0);
  CHECK_THAT(unwritable.output, Catch::Contains("--json") && Catch::Contains("plain_file"));
  CHECK_THAT(unwritable.output, !Catch::Contains("MaxBoxAccV2"));  // refused before the evaluation

  // A missing map and an ambiguous one are refused.
  fs::copy_file(dir.str() + "/maps/0003.png.npy", dir.str() + "/maps/0003.npy");
  Run twice = c2am_command("wsol eval" + common + "/x.json");
  CHECK(twice.status != 0);
  CHECK_THAT(twice.output, Catch::Contains("0003.npy") && Catch::Contains("0003.png.npy"));
  fs::remove(dir.str() + "/maps/0003.npy");
  fs::remove(dir.str() + "/maps/0007.png.npy");
  Run missing = c2am_command("wsol eval" + common + "/x.json");
  CHECK(missing.status != 0);
  CHECK_THAT(missing.output, Catch::Contains("no map for") && Catch::Contains("0007.png"));
  CHECK_FALSE(fs::exists(dir.str() + "/x.json"));
}

TEST_CASE("splits: unknown names are refused naming the option, and datasets without splits say so", "[cli][splits]") {
  TempDir dir;
  const std::string weights = dir.str() + "/not-a-model.safetensors";
  std::ofstream(weights) << "x";
  // Refused before the model is read (it is not a model at all).
  Run r = c2am_command("wsol boxes --weights " + weights + " --data synthetic:3 --split tets --threshold 0.5 --out " +
                       dir.str() + "/b.json");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("--split tets: synthetic:3 has no split 'tets'; its splits: train, val, test"));

  // A voc-xml folder without split lists.
  fs::create_directories(dir.path / "vocxml");
  for (int i = 0; i < 3; ++i) {
    const std::string name = "img" + std::to_string(i);
    write_png(dir.str() + "/vocxml/" + name + ".png", Image(64, 48));
    std::ofstream(dir.str() + "/vocxml/" + name + ".xml")
        << "<annotation><filename>" << name << ".png</filename><size><width>64</width><height>48</height></size>"
        << "<object><name>bird</name><bndbox><xmin>8</xmin><ymin>8</ymin><xmax>40</xmax><ymax>30</ymax></bndbox>"
        << "</object></annotation>\n";
  }
  const std::string data = "--data voc-xml:" + dir.str() + "/vocxml";
  r = c2am_command("wsol eval --weights " + weights + " " + data + " --split nonsense --out " + dir.str() + "/m.json");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("--split nonsense:") && Catch::Contains("its splits: all"));
  r = c2am_command("wsol eval --weights " + weights + " " + data + " --pick-on banana --out " + dir.str() + "/m.json");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("--pick-on banana:") && Catch::Contains("--pick-on-test"));

  // With the defaults, every image is evaluated and the threshold is chosen on
  // them, which the output says (not "chosen on val").
  const std::string run = dir.str() + "/run";
  r = c2am_command("train --data synthetic:16 --epochs 1 --out " + run + " " + kTiny);
  REQUIRE(r.status == 0);
  r = c2am_command("wsol eval --weights " + run + "/model.safetensors " + data +
                   " --resize 72 --crop 64 --no-progress --out " + dir.str() + "/m.json");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("has no splits: the threshold is chosen on the evaluated images"));
  CHECK_THAT(r.output, Catch::Contains("(chosen on the evaluated images (the dataset has no splits))"));
  std::ifstream in(dir.str() + "/m.json");
  const auto metrics = nlohmann::json::parse(in);
  CHECK(metrics["split"] == "all (the dataset has no splits)");
  CHECK(metrics["threshold_chosen_on"] == "the evaluated images (the dataset has no splits)");
  CHECK(metrics["images"] == 3);

  // With list files, the splits are real: val picks, test is evaluated.
  fs::create_directories(dir.path / "vocxml/splits");
  std::ofstream(dir.str() + "/vocxml/splits/val.txt") << "img0\n";
  std::ofstream(dir.str() + "/vocxml/splits/test.txt") << "img1\nimg2\n";
  r = c2am_command("wsol eval --weights " + run + "/model.safetensors " + data +
                   " --resize 72 --crop 64 --no-progress --out " + dir.str() + "/m2.json");
  INFO(r.output);
  REQUIRE(r.status == 0);
  std::ifstream in2(dir.str() + "/m2.json");
  const auto split_metrics = nlohmann::json::parse(in2);
  CHECK(split_metrics["split"] == "test");
  CHECK(split_metrics["threshold_chosen_on"] == "val");
  CHECK(split_metrics["images"] == 2);

  // A threshold chosen earlier, given: evaluated at it, labelled as given.
  r = c2am_command("wsol eval --weights " + run + "/model.safetensors " + data +
                   " --resize 72 --crop 64 --no-progress --threshold 0.3 --out " + dir.str() + "/m4.json");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("GT-known Loc on test: ") && Catch::Contains("at threshold 0.30 (given with --threshold)"));
  std::ifstream in4(dir.str() + "/m4.json");
  const auto given = nlohmann::json::parse(in4);
  CHECK(given["threshold"] == 0.3);
  CHECK(given["threshold_chosen_on"] == "given (--threshold)");
  CHECK(given["per_threshold"].size() == 1);
  CHECK(given["gt_known_loc"] == split_metrics["per_threshold"][30]["gt_known_loc"]);
  r = c2am_command("wsol eval --weights " + run + "/model.safetensors " + data + " --threshold 0.3 --pick-on-test --out " +
                   dir.str() + "/m5.json");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("--threshold evaluates at the threshold given"));

  // An image that cannot be decoded stops every command, or with
  // --skip-unreadable is left out, counted and named.
  std::ofstream(dir.str() + "/vocxml/img1.png") << "not a picture";
  r = c2am_command("wsol eval --weights " + run + "/model.safetensors " + data +
                   " --resize 72 --crop 64 --no-progress --out " + dir.str() + "/m6.json");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("img1.png"));
  r = c2am_command("wsol eval --weights " + run + "/model.safetensors " + data +
                   " --resize 72 --crop 64 --no-progress --skip-unreadable --out " + dir.str() + "/m6.json");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("skipped 1 unreadable image(s)") && Catch::Contains("img1.png"));
  std::ifstream in6(dir.str() + "/m6.json");
  const auto skipped = nlohmann::json::parse(in6);
  CHECK(skipped["images"] == 1);
  CHECK(skipped["skipped_unreadable"].size() == 1);
  r = c2am_command("maps --weights " + run + "/model.safetensors --data " + dir.str() +
                   "/vocxml --size 64 --no-progress --skip-unreadable --out " + dir.str() + "/maps");
  INFO(r.output);
  REQUIRE(r.status == 0);
  // (The folder's default split is its test list: img1, img2.)
  CHECK_THAT(r.output, Catch::Contains("wrote maps of 1 images") && Catch::Contains("skipped 1 unreadable image(s)"));
  CHECK(fs::exists(dir.path / "maps/img2.npy"));
  CHECK_FALSE(fs::exists(dir.path / "maps/img1.npy"));
  write_png(dir.str() + "/vocxml/img1.png", Image(64, 48));
  // The pixel limit is c2am's own option, given before or after the subcommand.
  r = c2am_command("maps --weights " + run + "/model.safetensors --data " + dir.str() +
                   "/vocxml --size 64 --no-progress --max-image-pixels 1000 --out " + dir.str() + "/maps2");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("64x48 pixels (3072) exceeds the pixel limit (1000"));

  // A box wholly outside its picture is refused, naming the XML and the box.
  std::ofstream(dir.str() + "/vocxml/img2.xml")
      << "<annotation><filename>img2.png</filename><size><width>64</width><height>48</height></size>"
      << "<object><name>bird</name><bndbox><xmin>360</xmin><ymin>232</ymin><xmax>418</xmax><ymax>290</ymax></bndbox>"
      << "</object></annotation>\n";
  r = c2am_command("wsol eval --weights " + run + "/model.safetensors " + data +
                   " --resize 72 --crop 64 --no-progress --pick-on-test --out " + dir.str() + "/m3.json");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("img2.xml: box (360, 232)-(418, 290) lies wholly outside"));
}

TEST_CASE("train sets the stage strides and stages the model supports, and maps reads them back", "[cli]") {
  TempDir dir;
  const std::string out = dir.str() + "/run";
  Run r = c2am_command("train --data synthetic:16 --epochs 1 --strides 1,2,2,2 --stages layer4 --out " + out + " " + kTiny);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto config = nlohmann::json::parse(safetensors::read_metadata(out + "/model.safetensors").at("config"));
  CHECK(config["strides"] == nlohmann::json::array({1, 2, 2, 2}));
  CHECK(config["stages"] == nlohmann::json::array({"layer4"}));
  r = c2am_command("maps --weights " + out + "/model.safetensors --data synthetic:2 --size 64 --no-progress --out " +
                   dir.str() + "/maps");
  REQUIRE(r.status == 0);
  r = c2am_command("train --data synthetic:16 --strides 1,2,2,2 --out " + dir.str() + "/bad " + kTiny);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("different resolutions"));
  r = c2am_command("train --data synthetic:16 --strides 1,2,2 --out " + dir.str() + "/bad " + kTiny);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("--strides needs four values"));
}

TEST_CASE("conflicting options, outputs inside the data and refused commands leave nothing behind", "[cli]") {
  TempDir dir;
  const std::string weights = dir.str() + "/not-a-model.safetensors";
  std::ofstream(weights) << "x";
  Run r = c2am_command("wsol eval --weights " + weights + " --data synthetic:4 --pick-on-test --pick-on val --out " +
                       dir.str() + "/m.json");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("give one of them"));
  r = c2am_command("train --data synthetic:4 --resume --overwrite --out " + dir.str() + "/run");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("--resume continues the run in the output folder and --overwrite replaces it"));
  r = c2am_command("maps --weights " + weights + " --data " + dir.str() + "/absent --out " + dir.str() + "/maps");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("absent' does not exist"));
  r = c2am_command("wsss cues --data synthetic:4 --split banana --maps " + dir.str() + " --out " + dir.str() + "/cues");
  CHECK(r.status != 0);
  CHECK_FALSE(fs::exists(dir.path / "maps"));  // output folders are made at the first write
  CHECK_FALSE(fs::exists(dir.path / "cues"));
  r = c2am_command("wsol eval --data synthetic:4 --out " + dir.str() + "/m.json");
  CHECK_THAT(r.output, Catch::Contains("or --maps DIR"));

  // Outputs inside a folder dataset would be read back as its images.
  fs::create_directories(dir.path / "photos/sub");
  write_png(dir.str() + "/photos/sub/a.png", Image(32, 24));
  r = c2am_command("maps --weights " + weights + " --data " + dir.str() + "/photos --out " + dir.str() + "/photos/maps");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("is inside the dataset folder"));

  // voc-xml: with sub-folders, and a picture without XML said, not dropped silently.
  fs::create_directories(dir.path / "vt/annotations/s1");
  fs::create_directories(dir.path / "vt/images/s1");
  write_png(dir.str() + "/vt/images/s1/x.png", Image(32, 24));
  write_png(dir.str() + "/vt/images/lonely.png", Image(32, 24));
  std::ofstream(dir.str() + "/vt/annotations/s1/x.xml")
      << "<annotation><filename>x.png</filename><object><name>a</name><bndbox><xmin>2</xmin><ymin>2</ymin>"
      << "<xmax>20</xmax><ymax>16</ymax></bndbox></object></annotation>\n";
  r = c2am_command("wsol boxes --weights " + weights + " --data voc-xml:" + dir.str() + "/vt --threshold 0.5 --out " +
                   dir.str() + "/vt/../boxes/b.json");
  CHECK_THAT(r.output, Catch::Contains("1 picture(s) in") && Catch::Contains("have no XML annotation") &&
                           Catch::Contains("lonely.png"));
  const auto vt = open_voc_xml(dir.str() + "/vt");
  REQUIRE(vt->size() == 1);
  CHECK(vt->sample(0).id == "s1/x");

  // An annotation without an object is named before any map is computed
  // (the weights here are not even a model).
  fs::create_directories(dir.path / "noobj");
  write_png(dir.str() + "/noobj/img000.png", Image(32, 24));
  std::ofstream(dir.str() + "/noobj/img000.xml") << "<annotation><filename>img000.png</filename></annotation>\n";
  r = c2am_command("wsol eval --weights " + weights + " --data voc-xml:" + dir.str() + "/noobj --pick-on-test --out " +
                   dir.str() + "/noobj.json");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("img000.xml (of ") && Catch::Contains("has no object box"));
}

TEST_CASE("the second stage: pseudo boxes, regressor, classifier, Top-1 Loc, and its refusals", "[cli][stage2]") {
  TempDir dir;
  const std::string run = dir.str() + "/run", boxes = dir.str() + "/boxes.json";
  Run r = c2am_command("train --data synthetic:16 --epochs 1 --out " + run + " " + kTiny);
  REQUIRE(r.status == 0);
  r = c2am_command("wsol boxes --weights " + run + "/model.safetensors --data synthetic:16 --split train --threshold 0.3 "
                   "--resize 72 --crop 64 --no-progress --out " + boxes);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const std::string stage = "--backbone resnet18 --base-width 4 --crop 48 --batch 8 --epochs 1 --no-progress";
  r = c2am_command("wsol regressor train --data synthetic:16 --boxes " + boxes + " --out " + dir.str() + "/reg " + stage);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("trained the regressor 2 steps"));
  r = c2am_command("wsol classifier train --data synthetic:16 --out " + dir.str() + "/cls " + stage);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const std::string metrics = dir.str() + "/metrics.json";
  const std::string eval = "wsol eval --regressor " + dir.str() + "/reg/model.safetensors --data synthetic:16 --split test "
                           "--resize 56 --crop 48 --no-progress ";
  r = c2am_command(eval + "--classifier " + dir.str() + "/cls/model.safetensors --classifier-resize 56 "
                   "--classifier-crop 48 --out " + metrics);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("GT-known Loc") && Catch::Contains("Top-1 Loc"));
  const auto m = nlohmann::json::parse(std::ifstream(metrics));
  REQUIRE(m["per_image"].size() == 16);
  // The class means recomputed from the per-image IoUs and classes.
  const auto test = open_dataset("synthetic:16", "test");
  std::map<int, std::pair<double, double>> per_class;  // label -> (images, localized with the right class)
  std::map<std::string, int> label_of;
  for (const Sample& s : test->samples()) label_of[s.id] = s.label;
  std::string predictions;
  for (const auto& image : m["per_image"]) {
    const int label = label_of.at(image["id"].get<std::string>());
    const bool right = image["iou"].get<double>() > 0.5 && image["top5"][0].get<int>() == label;
    per_class[label].first += 1, per_class[label].second += right;
    predictions += image["id"].get<std::string>();
    for (const auto& c : image["top5"]) predictions.append(" ").append(std::to_string(c.get<int>()));
    predictions += "\n";
  }
  double top1 = 0;
  for (const auto& [label, counts] : per_class) top1 += counts.second / counts.first / per_class.size();
  CHECK(m["top1_loc"].get<double>() == Approx(top1));
  // The same classes from a predictions file give the same number.
  std::ofstream(dir.str() + "/predictions.txt") << predictions;
  r = c2am_command(eval + "--predictions " + dir.str() + "/predictions.txt --out " + dir.str() + "/m2.json");
  REQUIRE(r.status == 0);
  CHECK(nlohmann::json::parse(std::ifstream(dir.str() + "/m2.json"))["top1_loc"].get<double>() == Approx(top1));

  // Refusals, each naming the problem.
  r = c2am_command(eval + "--regressor-typo x");
  CHECK(r.status != 0);
  r = c2am_command("wsol eval --regressor " + dir.str() + "/cls/model.safetensors --data synthetic:16 --out " + dir.str() + "/x.json");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("is a classifier, not a regressor"));
  r = c2am_command(eval + "--threshold 0.3 --out " + dir.str() + "/x.json");
  CHECK_THAT(r.output, Catch::Contains("describe boxes cut from maps"));
  r = c2am_command("wsol eval --classifier " + dir.str() + "/cls/model.safetensors --data synthetic:16 --out " + dir.str() + "/x.json");
  CHECK_THAT(r.output, Catch::Contains("give --regressor too"));
  // A class the dataset does not have (4 shapes) is refused, not scored as a miss.
  {
    std::istringstream lines(predictions);
    std::ofstream wrong(dir.str() + "/wrong.txt");
    for (std::string line; std::getline(lines, line);) wrong << (line.rfind("image_0 ", 0) == 0 ? "image_0 7 1 2" : line) << "\n";
  }
  r = c2am_command(eval + "--predictions " + dir.str() + "/wrong.txt --out " + dir.str() + "/x.json");
  CHECK_THAT(r.output, Catch::Contains("class 7 predicted for image_0 is not a class of"));
  // A checkpoint serves as the model it holds.
  r = c2am_command("wsol eval --regressor " + dir.str() + "/reg/checkpoint.safetensors --data synthetic:16 --split test "
                   "--resize 56 --crop 48 --no-progress --out " + dir.str() + "/ck.json");
  INFO(r.output);
  CHECK(r.status == 0);
  r = c2am_command("wsol regressor train --data synthetic:24 --boxes " + boxes + " --out " + dir.str() + "/reg2 " + stage);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("were written for --data synthetic:16, not synthetic:24"));
  r = c2am_command("wsol regressor train --data synthetic:16 --split val --boxes " + boxes + " --out " + dir.str() + "/reg2 " + stage);
  CHECK_THAT(r.output, Catch::Contains("were written for split 'train', not 'val'"));
  r = c2am_command("wsol regressor train --data synthetic:16 --boxes " + boxes + " --out " + dir.str() + "/reg " + stage);
  CHECK_THAT(r.output, Catch::Contains("already holds a run"));
  CHECK_FALSE(fs::exists(dir.str() + "/x.json"));
}

TEST_CASE("wsss refine: train on cues, infer refined cues that wsss eval reads, and its refusals", "[cli][wsss][refine]") {
  TempDir dir;
  const std::string data = " --data synthetic:8 --split test --no-progress", cues = dir.str() + "/cues";
  // Cues written by hand: the true masks (wsss eval compares them with the masks).
  const auto test = open_dataset("synthetic:8", "test");
  for (std::size_t i = 0; i < test->size(); ++i) {
    int w = 0, h = 0;
    const auto mask = test->load_mask(i, w, h);
    std::vector<std::uint8_t> cue(mask.size());
    for (std::size_t p = 0; p < mask.size(); ++p) cue[p] = mask[p] == 1 ? 255 : 0;
    fs::create_directories(cues);
    write_gray_png(cues + "/" + test->sample(i).id + ".png", w, h, cue);
  }
  const std::string train = "wsss refine train" + data + " --cues " + cues + " --width-divisor 16 --epochs 1 --out " +
                            dir.str() + "/refine";
  Run r = c2am_command(train);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("trained on 8 images"));
  r = c2am_command("wsss refine infer" + data + " --model " + dir.str() + "/refine/model.safetensors --out " + dir.str() +
                   "/refined");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto refined = wsss::read_cue(dir.str() + "/refined/image_0.png", 96, 96);
  CHECK(refined.size() == 96u * 96u);
  r = c2am_command("wsss eval" + data + " --cues " + dir.str() + "/refined");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("mIoU"));
  // Refusals.
  r = c2am_command(train);  // the run exists
  CHECK_THAT(r.output, Catch::Contains("already holds a run"));
  r = c2am_command(train + " --resume");  // finished
  CHECK_THAT(r.output, Catch::Contains("leaves nothing to train"));
  r = c2am_command("wsss refine train" + data + " --cues " + cues + " --width-divisor 8 --epochs 2 --resume --out " +
                   dir.str() + "/refine");  // another network width
  CHECK_THAT(r.output, Catch::Contains("Give the checkpoint's --width-divisor 16 to continue it"));
  // A checkpoint serves as the network it holds.
  r = c2am_command("wsss refine infer" + data + " --model " + dir.str() + "/refine/checkpoint.safetensors --out " +
                   dir.str() + "/from_checkpoint");
  CHECK(r.status == 0);
  // A cue of the wrong size is found before any training, and nothing is left behind.
  write_gray_png(cues + "/image_5.png", 50, 40, std::vector<std::uint8_t>(50 * 40, 255));
  r = c2am_command("wsss refine train" + data + " --cues " + cues + " --width-divisor 16 --out " + dir.str() + "/r3");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("image_5.png is 50x40 but its image is 96x96"));
  CHECK_FALSE(fs::exists(dir.str() + "/r3"));
  fs::remove(cues + "/image_3.png");
  r = c2am_command("wsss refine train" + data + " --cues " + cues + " --width-divisor 16 --out " + dir.str() + "/r2");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("no cue " + cues + "/image_3.png"));
  CHECK_FALSE(fs::exists(dir.str() + "/r2"));
  r = c2am_command("wsss refine infer" + data + " --model " + dir.str() + "/run_missing.safetensors --out " + dir.str() + "/x");
  CHECK(r.status != 0);
}
