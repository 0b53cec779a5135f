// The second WSOL stage end to end on the library: pseudo boxes read back,
// the regressor and classifier trained (loss falls, resume is exact, the run
// folder is guarded), boxes regressed and scored with the release's class
// means.

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "c2am/io/weights.hpp"
#include "c2am/model.hpp"
#include "c2am/wsol/pseudo_boxes.hpp"
#include "c2am/wsol/second_stage.hpp"
#include "c2am/wsol/second_stage_eval.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using namespace c2am::wsol;
using c2am::testing::error_message;
using c2am::testing::TempDir;

namespace {

std::unique_ptr<Dataset> synthetic(std::size_t count, std::uint64_t seed = 0) {
  SyntheticConfig s;
  s.count = count;
  s.image_size = 64;
  s.seed = seed;
  return make_synthetic(s);
}

// Pseudo boxes as `c2am wsol boxes` writes them: here the true boxes, one null.
std::string write_boxes(const TempDir& dir, const Dataset& data, std::size_t null_at = 1000) {
  nlohmann::json images = nlohmann::json::array();
  for (std::size_t i = 0; i < data.size(); ++i) {
    const Box& b = data.sample(i).boxes.at(0);
    images.push_back({{"index", i},
                      {"id", data.sample(i).id},
                      {"box", i == null_at ? nlohmann::json(nullptr) : nlohmann::json({b.x0, b.y0, b.x1, b.y1})}});
  }
  const std::string path = dir.file("boxes.json");
  std::ofstream(path) << nlohmann::json{{"images", images}}.dump();
  return path;
}

SecondStageConfig tiny(SecondStageTask task, const TempDir& dir, const std::string& boxes) {
  SecondStageConfig c = second_stage_recipe(task, "cub");
  c.depth = 18, c.base_width = 8, c.crop = 48, c.batch_size = 8, c.epochs = 2, c.workers = 0;
  c.pseudo_boxes = boxes;
  c.lr = task == SecondStageTask::regressor ? 0.02 : 0.01;
  c.output_dir = dir.file(task_name(task));
  c.progress = false;
  return c;
}

}  // namespace

TEST_CASE("pseudo boxes: read by identity, nulls kept, every malformed entry refused", "[stage2]") {
  TempDir dir;
  const auto data = synthetic(6);
  const PseudoBoxes boxes = read_pseudo_boxes(write_boxes(dir, *data, 2));
  const auto found = pseudo_boxes_for(boxes, *data);
  REQUIRE(found.size() == 6);
  CHECK_FALSE(found[2].has_value());
  CHECK(found[3]->x1 == data->sample(3).boxes[0].x1);
  const auto refused = [&](const std::string& text) {
    const std::string path = dir.file("bad.json");
    std::ofstream(path) << text;
    return error_message([&] { read_pseudo_boxes(path); });
  };
  CHECK_THAT(refused("{\"images\": [{\"id\": \"a\", \"box\": [1, 2, 3]}]}"), Catch::Contains("is not null or [x0, y0, x1, y1]"));
  CHECK_THAT(refused("{\"images\": [{\"id\": \"a\", \"box\": [5, 2, 3, 4]}]}"), Catch::Contains("0 ≤ x0 ≤ x1"));
  CHECK_THAT(refused("{\"images\": [{\"id\": \"a\", \"box\": null}, {\"id\": \"a\", \"box\": null}]}"),
             Catch::Contains("a second entry for a"));
  CHECK_THAT(refused("{\"images\": [{\"box\": null}]}"), Catch::Contains("no \"id\" string"));
  CHECK_THAT(refused("[1, 2]"), Catch::Contains("no \"images\" list"));
  CHECK_THAT(refused("{\"images\": [{\"id\": "), Catch::Contains("not valid JSON"));
  // Boxes recorded for another split or dataset: refused before any name is matched.
  {
    const std::string path = dir.file("split.json");
    std::ofstream(path) << "{\"data\": \"synthetic:6\", \"split\": \"train\", \"images\": [{\"id\": \"image_0\", "
                           "\"width\": 64, \"height\": 64, \"box\": [1, 2, 30, 40]}]}";
    const PseudoBoxes recorded = read_pseudo_boxes(path);
    CHECK_THAT(error_message([&] { pseudo_boxes_for(recorded, *data, "synthetic:6", "test"); }),
               Catch::Contains("were written for split 'train', not 'test'"));
    CHECK_THAT(error_message([&] { pseudo_boxes_for(recorded, *data, "synthetic:7", "train"); }),
               Catch::Contains("were written for --data synthetic:6, not synthetic:7"));
    // The size each box was found on is checked against the decoded image.
    CHECK_THAT(error_message([&] { check_pseudo_box_image(recorded, "image_0", 96, 96); }),
               Catch::Contains("found on a 64x64 image, but image_0 is 96x96 here"));
    CHECK_NOTHROW(check_pseudo_box_image(recorded, "image_0", 64, 64));
    CHECK(recorded.digest.size() == 16);
  }
  CHECK_THAT(refused("{\"images\": [{\"id\": \"a\", \"width\": 96, \"height\": 96, \"box\": [200, 200, 300, 300]}]}"),
             Catch::Contains("reaches beyond its 96x96 image"));
  // Boxes for another split: the images without an entry are named.
  const auto other = synthetic(8, 5);
  CHECK_THAT(error_message([&] { pseudo_boxes_for(boxes, *other); }),
             Catch::Contains("no entry for 2 of the 8 images") && Catch::Contains("image_6, image_7"));
}

TEST_CASE("regressor training: the loss falls, a resumed run equals an uninterrupted one", "[stage2][slow]") {
  TempDir dir;
  const auto data = synthetic(48);
  const std::string boxes = write_boxes(dir, *data, 5);
  SecondStageConfig c = tiny(SecondStageTask::regressor, dir, boxes);
  c.epochs = 6;
  std::vector<double> losses;
  SecondStageTrainer straight(c);
  std::vector<std::string> notes;
  straight.on_note = [&](const std::string& n) { notes.push_back(n); };
  straight.on_step = [&](std::size_t, double loss) { losses.push_back(loss); };
  const SecondStageResult r = straight.run(*data);
  CHECK(r.images == 47);
  CHECK(r.without_box == 1);
  REQUIRE(!notes.empty());
  CHECK_THAT(notes[0], Catch::Contains("1 of 48 images") && Catch::Contains("left out of training"));
  REQUIRE(losses.size() == 36);  // 6 epochs × ceil(47 / 8)
  const double first = (losses[0] + losses[1] + losses[2]) / 3, last = (losses[33] + losses[34] + losses[35]) / 3;
  INFO("mean loss of the first three steps " << first << ", of the last three " << last);
  CHECK(last < 0.7 * first);

  // Stopped after 14 steps (mid-epoch: a checkpoint every 7 steps), then
  // resumed to the end: the same weights bit for bit.
  SecondStageConfig part = c;
  part.output_dir = dir.file("resumed");
  part.max_steps = 14;
  part.checkpoint_every = 7;
  SecondStageTrainer(part).run(*data);
  part.max_steps = 0;
  part.resume = true;
  SecondStageTrainer(part).run(*data);
  const auto a = safetensors::load(r.model), b = safetensors::load(part.output_dir + "/model.safetensors");
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    CHECK(a[i].second.to_vector<double>() == b[i].second.to_vector<double>());
  }
  // An existing run is not overwritten without being asked.
  CHECK_THAT(error_message([&] { SecondStageTrainer(c).run(*data); }), Catch::Contains("already holds a run"));
  // A resumed run whose boxes file changed under the same name is refused.
  {
    std::ofstream(boxes, std::ios::app) << "\n";
    SecondStageConfig more = part;
    more.epochs = 8;
    CHECK_THAT(error_message([&] { SecondStageTrainer(more).run(*data); }), Catch::Contains("pseudo_boxes_digest"));
  }
  // A classifier resumed from the regressor's run is told which command continues it.
  {
    SecondStageConfig other = tiny(SecondStageTask::classifier, dir, "");
    other.output_dir = part.output_dir;
    other.resume = true;
    CHECK_THAT(error_message([&] { SecondStageTrainer(other).run(*data); }),
               Catch::Contains("is a regressor run; continue it with `c2am wsol regressor train --resume`"));
  }
}

TEST_CASE("classifier training on the synthetic shapes: labels checked, the loss falls", "[stage2][slow]") {
  TempDir dir;
  const auto data = synthetic(48);
  SecondStageConfig c = tiny(SecondStageTask::classifier, dir, "");
  c.epochs = 6;
  c.lr = 0.01;
  c.head_lr_multiplier = 1.0;
  std::vector<double> losses;
  SecondStageTrainer trainer(c);
  trainer.on_step = [&](std::size_t, double loss) { losses.push_back(loss); };
  const SecondStageResult r = trainer.run(*data);
  CHECK(r.images == 48);
  // Means of the first and the last epoch (6 steps each).
  double first = 0, last = 0;
  for (std::size_t k = 0; k < 6; ++k) first += losses[k] / 6, last += losses[losses.size() - 1 - k] / 6;
  INFO("first " << first << ", last " << last);
  CHECK(last < 0.95 * first);
  // The model file holds a 4-class fc, torchvision names.
  const auto state = safetensors::load(r.model);
  bool found = false;
  for (const auto& [name, t] : state) {
    if (name != "fc.weight") continue;
    found = true;
    CHECK(t.shape() == Shape{4, 64});
  }
  CHECK(found);
}

TEST_CASE("score_localization: class means as the release, image means beside them", "[stage2]") {
  const auto data = synthetic(6);
  // Labels of the six images, and a hand-made IoU and top-5 per image.
  std::vector<RegressedImage> images;
  std::vector<std::vector<int>> top5;
  const double ious[6] = {0.9, 0.4, 0.6, 0.5, 0.7, 0.2};
  for (std::size_t i = 0; i < 6; ++i) {
    RegressedImage r;
    r.index = i;
    r.iou = ious[i];
    images.push_back(r);
    const int label = data->sample(i).label;
    // Images 0 and 3: the right first class; the others: the label fifth.
    top5.push_back(i % 3 == 0 ? std::vector<int>{label, 9, 8, 7, 6} : std::vector<int>{9, 8, 7, 6, label});
  }
  const LocalizationMetrics m = score_localization(images, *data, top5);
  // Expected values, computed here from the definitions.
  std::map<int, std::vector<std::size_t>> by_class;
  for (std::size_t i = 0; i < 6; ++i) by_class[data->sample(i).label].push_back(i);
  double gt = 0, top1 = 0, top5_loc = 0;
  for (const auto& [label, members] : by_class) {
    double g = 0, t1 = 0, t5 = 0;
    for (std::size_t i : members) {
      const bool ok = ious[i] > 0.5;
      g += ok, t1 += ok && i % 3 == 0, t5 += ok;
    }
    gt += g / members.size() / by_class.size();
    top1 += t1 / members.size() / by_class.size();
    top5_loc += t5 / members.size() / by_class.size();
  }
  CHECK(m.classes == by_class.size());
  CHECK(m.gt_known_loc == Approx(gt));
  CHECK(m.top1_loc == Approx(top1));
  CHECK(m.top5_loc == Approx(top5_loc));
  CHECK(m.gt_known_loc_images == Approx(3.0 / 6));  // 0.9, 0.6, 0.7 (0.5 is not > 0.5)
  CHECK(m.top1_loc_images == Approx(1.0 / 6));      // image 0 (image 3's IoU is 0.5)
  CHECK(m.top5_loc_images == Approx(3.0 / 6));
}

TEST_CASE("trained and torchvision models load by kind; the wrong kind is named", "[stage2]") {
  TempDir dir;
  nn::ResNetConfig small = nn::torchvision_resnet(18);
  small.base_width = 4;
  // A torchvision classifier file: plain names, no metadata.
  nn::ResNetClassifier classifier(small, 7, 3);
  save_weights(classifier, dir.file("torchvision.safetensors"));
  const SecondStageModel loaded =
      load_second_stage_model(dir.file("torchvision.safetensors"), SecondStageTask::classifier);
  CHECK(loaded.depth == 18);
  CHECK(loaded.classes == 7);
  const auto original = classifier.state(), read_back = loaded.model->state();
  REQUIRE(original.size() == read_back.size());
  for (std::size_t i = 0; i < original.size(); ++i) {
    INFO(original[i].first);
    CHECK(original[i].second.to_vector<double>() == read_back[i].second.to_vector<double>());
  }
  CHECK_THAT(error_message([&] { load_second_stage_model(dir.file("torchvision.safetensors"), SecondStageTask::regressor); }),
             Catch::Contains("is a classifier, not a regressor"));
  // A regressor run's model file records its task and architecture.
  const auto data = synthetic(8);
  SecondStageConfig c = tiny(SecondStageTask::regressor, dir, write_boxes(dir, *data));
  c.base_width = 4, c.epochs = 1;
  const SecondStageResult r = SecondStageTrainer(c).run(*data);
  CHECK(load_second_stage_model(r.model, SecondStageTask::regressor).depth == 18);
  CHECK_THAT(error_message([&] { load_second_stage_model(r.model, SecondStageTask::classifier); }),
             Catch::Contains("is a regressor, not a classifier"));
  // A C²AM model file is neither.
  Model c2am_model(ModelConfig{});
  save_weights(c2am_model, dir.file("c2am.safetensors"));
  CHECK_THAT(error_message([&] { load_second_stage_model(dir.file("c2am.safetensors"), SecondStageTask::classifier); }),
             Catch::Contains("neither a model of `c2am wsol regressor|classifier train` nor a torchvision ResNet"));
}
