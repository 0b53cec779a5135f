// Loader determinism, SGD and schedules, recipes, the orientation check,
// a short training run whose loss falls, bit-exact resume and NaN handling.

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "c2am/data/loader.hpp"
#include "c2am/io/safetensors.hpp"
#include "c2am/train/trainer.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::TempDir;
using c2am::testing::compare;
namespace fs = std::filesystem;

namespace {

LoaderConfig small_loader(int workers, std::uint64_t seed = 3) {
  LoaderConfig c;
  c.batch_size = 5;
  c.workers = workers;
  c.seed = seed;
  c.transform = {40, 32, true, Interpolation::Bilinear};
  return c;
}

std::vector<Batch> whole_epoch(Loader& loader, std::size_t epoch, std::size_t first = 0) {
  std::vector<Batch> out;
  loader.start_epoch(epoch, first);
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

TrainConfig tiny_training(const std::string& out) {
  TrainConfig c;
  c.dataset = "synthetic:64";
  c.model.backbone.depth = 18;
  c.model.backbone.base_width = 4;
  c.model.seed = 11;
  c.loader.batch_size = 8;
  c.loader.workers = 2;
  c.loader.seed = 5;
  c.loader.transform = {72, 64, true, Interpolation::Bilinear};
  c.epochs = 2;
  c.lr = 0.05;
  c.momentum = 0.9;
  c.output_dir = out;
  c.progress = false;
  return c;
}

}  // namespace

TEST_CASE("batches do not depend on the number of workers", "[loader]") {
  SyntheticConfig s;
  s.count = 23;
  s.image_size = 48;
  const auto dataset = make_synthetic(s);
  Loader serial(*dataset, small_loader(0)), one(*dataset, small_loader(1)), three(*dataset, small_loader(3));
  CHECK(serial.batches_per_epoch() == 4);  // 23 images, batch 5, drop_last
  for (std::size_t epoch : {0, 1}) {
    const auto a = whole_epoch(serial, epoch), b = whole_epoch(one, epoch), c = whole_epoch(three, epoch);
    REQUIRE(a.size() == 4);
    REQUIRE((b.size() == 4 && c.size() == 4));
    for (std::size_t i = 0; i < a.size(); ++i) {
      REQUIRE(a[i].indices == b[i].indices);
      REQUIRE(a[i].indices == c[i].indices);
      C2AM_REQUIRE_OK(compare(b[i].images, a[i].images, 0, 0));
      C2AM_REQUIRE_OK(compare(c[i].images, a[i].images, 0, 0));
      CHECK(a[i].images.shape() == Shape{5, 3, 32, 32});
    }
  }
  // Epochs are shuffled differently; a resumed epoch gives the same batches.
  CHECK(serial.epoch_order(0) != serial.epoch_order(1));
  const auto full = whole_epoch(three, 1), resumed = whole_epoch(three, 1, 2);
  REQUIRE(resumed.size() == 2);
  CHECK(resumed[0].indices == full[2].indices);
  C2AM_REQUIRE_OK(compare(resumed[1].images, full[3].images, 0, 0));
  // Another seed, another order.
  Loader other(*dataset, small_loader(0, 4));
  CHECK(other.epoch_order(0) != serial.epoch_order(0));
  // Without drop_last the last, shorter batch is kept.
  LoaderConfig keep = small_loader(2);
  keep.drop_last = false;
  Loader keeping(*dataset, keep);
  const auto all = whole_epoch(keeping, 0);
  REQUIRE(all.size() == 5);
  CHECK(all.back().indices.size() == 3);
}

TEST_CASE("unreadable images stop the loader, or are skipped and counted", "[loader][errors]") {
  TempDir dir;
  for (int i = 0; i < 6; ++i) {
    Image image(20, 20);
    std::fill(image.pixels.begin(), image.pixels.end(), static_cast<std::uint8_t>(40 * i));
    write_png(dir.str() + "/img" + std::to_string(i) + ".png", image);
  }
  std::ofstream(dir.str() + "/img6.png") << "not a png";
  const auto dataset = open_image_folder(dir.str());
  LoaderConfig config = small_loader(2);
  config.batch_size = 7;
  config.transform = {24, 16, false, Interpolation::Bilinear};
  {
    Loader strict(*dataset, config);
    strict.start_epoch(0);
    CHECK_THROWS_WITH(strict.next(), Catch::Contains("img6.png") && Catch::Contains("not an image c2am reads"));
  }
  config.skip_unreadable = true;
  Loader lenient(*dataset, config);
  lenient.start_epoch(0);
  const auto batch = lenient.next();
  REQUIRE(batch);
  CHECK(batch->indices.size() == 6);
  CHECK(lenient.skipped() == 1);
}

TEST_CASE("SGD follows torch.optim.SGD: momentum, Nesterov, weight decay, multipliers", "[sgd]") {
  for (bool nesterov : {false, true}) {
    INFO("nesterov " << nesterov);
    Tensor w = from_vector<double>({1.0, -2.0}, {2}, DType::Float64).set_requires_grad();
    Tensor b = from_vector<double>({0.5}, {1}, DType::Float64).set_requires_grad();
    Sgd sgd({{"w", {{"w", w}}, 1.0, 0.1}, {"b", {{"b", b}}, 2.0, 0.0}}, {0.9, nesterov});
    // Gradients g_w = [3, 4] then [1, -1]; g_b = [2] then [2].
    const std::vector<std::vector<double>> gw = {{3, 4}, {1, -1}};
    double pw[2] = {1.0, -2.0}, pb = 0.5, bw[2] = {0, 0}, bb = 0;
    const double lr = 0.01;
    for (int step = 0; step < 2; ++step) {
      w.zero_grad(), b.zero_grad();
      sum(w * from_vector<double>(gw[step], {2}, DType::Float64)).backward();
      sum(b * 2.0).backward();
      sgd.step(lr);
      for (int i = 0; i < 2; ++i) {
        const double d = gw[step][i] + 0.1 * pw[i];
        bw[i] = step == 0 ? d : 0.9 * bw[i] + d;
        pw[i] -= lr * (nesterov ? d + 0.9 * bw[i] : bw[i]);
      }
      bb = step == 0 ? 2.0 : 0.9 * bb + 2.0;
      pb -= 2 * lr * (nesterov ? 2.0 + 0.9 * bb : bb);
      CHECK(w.at({0}) == Approx(pw[0]).epsilon(1e-15));
      CHECK(w.at({1}) == Approx(pw[1]).epsilon(1e-15));
      CHECK(b.at({0}) == Approx(pb).epsilon(1e-15));
    }
    // Momentum buffers survive a state round trip.
    Sgd copy({{"w", {{"w", w}}, 1.0, 0.1}, {"b", {{"b", b}}, 2.0, 0.0}}, {0.9, nesterov});
    copy.load_state(sgd.state());
    CHECK(copy.state().size() == 2);
    C2AM_REQUIRE_OK(compare(copy.state()[0].second, sgd.state()[0].second, 0, 0));
  }
}

TEST_CASE("schedules and recipes", "[sgd]") {
  CHECK(scheduled_lr(Schedule::Poly, 0.1, 0, 100) == 0.1);
  CHECK(scheduled_lr(Schedule::Poly, 0.1, 50, 100) == Approx(0.1 * std::pow(0.5, 0.9)));
  CHECK(scheduled_lr(Schedule::Poly, 0.1, 100, 100) == 0.0);
  CHECK(scheduled_lr(Schedule::Cosine, 0.1, 50, 100) == Approx(0.05));
  CHECK(scheduled_lr(Schedule::Cosine, 0.1, 0, 100) == Approx(0.1));
  CHECK(scheduled_lr(Schedule::Constant, 0.1, 70, 100) == 0.1);
  const TrainConfig cub = recipe("cub", "release");
  CHECK((cub.loader.batch_size == 16 && cub.epochs == 20 && cub.lr == 1e-4 && cub.alpha == 0.05));
  CHECK((cub.momentum == 1e-4 && cub.schedule == Schedule::Poly && cub.loader.transform.crop == 224));
  const TrainConfig voc = recipe("voc", "paper");
  CHECK((voc.lr == 1e-3 && voc.alpha == 0.25 && voc.loader.transform.crop == 448 && voc.loader.batch_size == 128));
  CHECK((voc.momentum == 0.9 && voc.schedule == Schedule::Cosine && voc.orientation == OrientationCheck::Wsss));
  CHECK(recipe("imagenet").loader.batch_size == 256);
  CHECK_THROWS_WITH(recipe("coco"), Catch::Contains("coco"));
}

TEST_CASE("the release preset trains what the release runs: head at lr x1, last partial batch kept", "[sgd]") {
  // The release's get_parameter_groups() puts the head's convolution in the
  // ×1 group (its groups hold [21, 0, 0, 0] tensors for ResNet-18); its
  // loaders keep the last partial batch: 5994 CUB images at batch 16 are
  // 375 steps, not 374.
  ModelConfig mc;
  mc.backbone.depth = 18;
  Model model(mc);
  const auto by_name = [](const std::vector<ParamGroup>& groups, const std::string& tensor) {
    for (const ParamGroup& g : groups)
      for (const auto& [name, t] : g.params)
        if (name == tensor) return std::pair{g.lr_multiplier, g.weight_decay};
    return std::pair{-1.0, -1.0};
  };
  const TrainConfig release = recipe("cub", "release"), paper = recipe("cub", "paper");
  const auto head_release = by_name(optimizer_groups(model, release), "ac_head.activation_head.weight");
  CHECK(head_release.first == 1.0);
  CHECK(head_release.second == release.weight_decay);
  CHECK(by_name(optimizer_groups(model, paper), "ac_head.activation_head.weight").first == 10.0);
  CHECK(by_name(optimizer_groups(model, release), "backbone.conv1.weight").first == 1.0);
  std::size_t at_x1 = 0;
  for (const ParamGroup& g : optimizer_groups(model, release))
    if (g.lr_multiplier == 1.0) at_x1 += g.params.size();
  CHECK(at_x1 == 21);

  SyntheticConfig s;
  s.count = 5994;
  s.image_size = 16;
  const auto cub_sized = make_synthetic(s);
  CHECK(Loader(*cub_sized, release.loader).batches_per_epoch() == 375);
  CHECK(Loader(*cub_sized, paper.loader).batches_per_epoch() == 374);
  CHECK_THROWS_WITH(parse_schedule("step"), Catch::Contains("step"));
}

TEST_CASE("the orientation check reads the border", "[train]") {
  Tensor border = ones({2, 1, 8, 8}, DType::Float32);
  Tensor center = zeros({2, 1, 8, 8}, DType::Float32);
  {
    NoGradGuard no_grad;
    border.narrow(2, 2, 4).narrow(3, 2, 4).fill_(0.0);
    center.narrow(2, 2, 4).narrow(3, 2, 4).fill_(1.0);
  }
  CHECK(border_says_flip(border, OrientationCheck::Wsol));
  CHECK_FALSE(border_says_flip(center, OrientationCheck::Wsol));
  CHECK(border_says_flip(border, OrientationCheck::Wsss));
  CHECK_FALSE(border_says_flip(center, OrientationCheck::Wsss));
  CHECK_FALSE(border_says_flip(border, OrientationCheck::None));
  // WSOL looks at the first image only.
  Tensor mixed = cat({center.narrow(0, 0, 1), border.narrow(0, 0, 1)}, 0);
  CHECK_FALSE(border_says_flip(mixed, OrientationCheck::Wsol));
}

TEST_CASE("a short CPU training run on synthetic data lowers the loss", "[train]") {
  TempDir dir;
  TrainConfig config = tiny_training(dir.str());
  config.dataset = "synthetic:128";
  config.epochs = 4;
  std::vector<double> epoch_sum(4, 0.0);
  Trainer trainer(config);
  trainer.on_step = [&](std::size_t step, const ContrastiveLossTerms& terms) { epoch_sum[step / 16] += terms.total.item(); };
  const TrainResult result = trainer.run();
  CHECK(result.steps == 64);
  CHECK(result.epochs_completed == 4);
  INFO("mean loss per epoch: " << epoch_sum[0] / 16 << ", " << epoch_sum[1] / 16 << ", " << epoch_sum[2] / 16 << ", "
                               << epoch_sum[3] / 16);
  CHECK(epoch_sum[3] < epoch_sum[0] * 0.95);
  CHECK(fs::exists(dir.str() + "/model.safetensors"));
  std::ifstream log(dir.str() + "/log.jsonl");
  CHECK(std::count(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>(), '\n') == 64);
}

TEST_CASE("a resumed run repeats the uninterrupted run's losses bit for bit", "[train]") {
  TempDir whole_dir, split_dir;
  std::vector<double> whole, split;
  {
    Trainer trainer(tiny_training(whole_dir.str()));
    trainer.on_step = [&](std::size_t, const ContrastiveLossTerms& t) { whole.push_back(t.total.item()); };
    trainer.run();
  }
  {
    TrainConfig first = tiny_training(split_dir.str());
    first.max_steps = 5;  // stops in the middle of the first epoch
    Trainer trainer(first);
    trainer.on_step = [&](std::size_t, const ContrastiveLossTerms& t) { split.push_back(t.total.item()); };
    CHECK(trainer.run().steps == 5);
  }
  {
    TrainConfig rest = tiny_training(split_dir.str());
    rest.resume = true;
    Trainer trainer(rest);
    trainer.on_step = [&](std::size_t, const ContrastiveLossTerms& t) { split.push_back(t.total.item()); };
    CHECK(trainer.run().steps == 16);
  }
  REQUIRE(whole.size() == 16);
  REQUIRE(split.size() == 16);
  for (std::size_t i = 0; i < whole.size(); ++i) {
    INFO("step " << i);
    REQUIRE(split[i] == whole[i]);  // bitwise
  }
  // The logs agree too, line for line.
  std::ifstream a(whole_dir.str() + "/log.jsonl"), b(split_dir.str() + "/log.jsonl");
  std::string la, lb;
  int lines = 0;
  while (std::getline(a, la) && std::getline(b, lb)) {
    const auto strip_speed = [](std::string s) { return s.substr(0, s.find("\"images_per_s\"")); };
    REQUIRE(strip_speed(la) == strip_speed(lb));
    ++lines;
  }
  CHECK(lines == 16);
}

TEST_CASE("training with the fused loss follows the composed loss", "[train][fused]") {
  std::vector<double> losses[2];
  for (LossPath path : {LossPath::composed, LossPath::fused}) {
    TempDir dir;
    TrainConfig config = tiny_training(dir.str());
    config.loss_path = path;
    config.max_steps = 2;
    Trainer trainer(config);
    auto& out = losses[path == LossPath::fused];
    trainer.on_step = [&](std::size_t, const ContrastiveLossTerms& t) { out.push_back(t.total.item()); };
    trainer.run();
  }
  REQUIRE(losses[0].size() == 2);
  REQUIRE(losses[1].size() == 2);
  // The first loss agrees to float32 rounding; the second comes after an
  // update with the fused gradients. (Later steps drift apart: momentum 0.9
  // and lr 0.05 amplify rounding differences, as between any two machines.)
  CHECK(losses[1][0] == Approx(losses[0][0]).epsilon(1e-5));
  CHECK(losses[1][1] == Approx(losses[0][1]).epsilon(1e-4));
}

TEST_CASE("a NaN loss stops training and keeps the last good checkpoint", "[train][errors]") {
  TempDir dir;
  TrainConfig config = tiny_training(dir.str());
  config.lr = 1e30;
  config.checkpoint_every = 1;
  Trainer trainer(config);
  try {
    trainer.run();
    FAIL("training with a learning rate of 1e30 did not stop");
  } catch (const Error& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK_THAT(message, (Catch::Contains("the loss became") || Catch::Contains("weights became non-finite")) &&
                            Catch::Contains("checkpoint"));
  }
  safetensors::Metadata metadata;
  const auto checkpoint = safetensors::load(Trainer::checkpoint_path(dir.str()), &metadata);
  CHECK(std::stoul(metadata.at("step")) >= 1);
  for (const auto& [name, t] : checkpoint) {
    if (t.dtype() != DType::Float32) continue;
    for (double v : t.to_vector<double>()) REQUIRE(std::isfinite(v));
  }
}

TEST_CASE("training configuration errors come before any work", "[train][errors]") {
  TempDir dir;
  TrainConfig config = tiny_training(dir.str());
  config.dataset = "folder:" + dir.str() + "/absent";
  CHECK_THROWS_WITH(Trainer(config).run(), Catch::Contains("does not exist"));
  config = tiny_training(dir.str());
  config.resume = true;
  CHECK_THROWS_WITH(Trainer(config).run(), Catch::Contains("no checkpoint"));
  config = tiny_training(dir.str());
  config.dataset = "synthetic:4";  // fewer images than one batch of 8
  CHECK_THROWS_WITH(Trainer(config).run(), Catch::Contains("fewer than one batch"));
  config = tiny_training(dir.str());
  config.weights = dir.str() + "/missing.safetensors";
  CHECK_THROWS_WITH(Trainer(config).run(), Catch::Contains("missing.safetensors"));
}

TEST_CASE("an earlier run is not replaced unless asked", "[train][errors]") {
  TempDir dir;
  TrainConfig config = tiny_training(dir.str());
  config.max_steps = 1;
  Trainer(config).run();
  const auto checkpoint = Trainer::checkpoint_path(dir.str());
  const auto before = std::filesystem::last_write_time(checkpoint);
  CHECK_THROWS_WITH(Trainer(config).run(), Catch::Contains(dir.str()) && Catch::Contains("already holds a run") &&
                                               Catch::Contains("--resume") && Catch::Contains("--overwrite"));
  CHECK(std::filesystem::last_write_time(checkpoint) == before);
  config.overwrite = true;
  CHECK(Trainer(config).run().steps == 1);
}

TEST_CASE("a resumed run is compared with the checkpoint's configuration", "[train][errors]") {
  TempDir dir;
  TrainConfig config = tiny_training(dir.str());
  config.max_steps = 2;
  Trainer(config).run();
  const auto checkpoint = Trainer::checkpoint_path(dir.str());
  const auto before = std::filesystem::last_write_time(checkpoint);
  const auto resumed = [&](const std::function<void(TrainConfig&)>& change, std::string* note = nullptr) {
    TrainConfig c = tiny_training(dir.str());
    c.resume = true;
    c.max_steps = 3;
    change(c);
    Trainer trainer(c);
    trainer.on_note = [&](const std::string& n) {
      if (note) *note += n;
    };
    return trainer.run();
  };
  // What makes it another run is refused, every difference named, the checkpoint untouched.
  CHECK_THROWS_WITH(resumed([](TrainConfig& c) { c.loader.batch_size = 4; }),
                    Catch::Contains("batch_size 4 (checkpoint: 8)") && Catch::Contains("--allow-changes"));
  CHECK_THROWS_WITH(resumed([](TrainConfig& c) {
                      c.dataset = "synthetic:32";
                      c.model.seed = 12;
                    }),
                    Catch::Contains("dataset synthetic:32 (checkpoint: synthetic:64)") &&
                        Catch::Contains("seed 12 (checkpoint: 11)"));
  CHECK_THROWS_WITH(resumed([](TrainConfig& c) { c.loader.transform.crop = 56; }),
                    Catch::Contains("crop 56 (checkpoint: 64)"));
  // Another architecture: refused always, naming the checkpoint's.
  CHECK_THROWS_WITH(resumed([](TrainConfig& c) {
                      c.model.backbone.depth = 34;
                      c.allow_changes = true;
                    }),
                    Catch::Contains("holds a ResNet-18, base width 4 model") &&
                        Catch::Contains("--backbone resnet18 --base-width 4"));
  CHECK(std::filesystem::last_write_time(checkpoint) == before);
  CHECK_THROWS_WITH(resumed([](TrainConfig& c) { c.overwrite = true; }), Catch::Contains("give one of them"));
  // Wanted changes are reported and recorded with the step they apply from.
  std::string note;
  CHECK(resumed([](TrainConfig& c) { c.lr = 0.01; }, &note).steps == 3);
  CHECK_THAT(note, Catch::Contains("lr 0.01 (checkpoint: 0.05)"));
  const auto changes = [&] {
    return nlohmann::json::parse(safetensors::read_metadata(checkpoint).at("config_changes"));
  };
  REQUIRE(changes().size() == 1);
  CHECK(changes()[0]["resumed_at_step"] == "2");
  CHECK(changes()[0]["changed"]["lr"] == nlohmann::json::array({0.05, 0.01}));
  // With --allow-changes a refused change goes through, and is added to the record.
  note.clear();
  CHECK(resumed([](TrainConfig& c) {
          c.lr = 0.01;
          c.loader.batch_size = 4;
          c.allow_changes = true;
        }, &note).steps == 3);
  CHECK_THAT(note, Catch::Contains("batch_size 4 (checkpoint: 8)"));
  REQUIRE(changes().size() == 2);
  CHECK(changes()[1]["changed"]["batch_size"] == nlohmann::json::array({8, 4}));
  // A run whose epochs are all done has nothing to resume: said, not a 0-step "success".
  TempDir done_dir;
  TrainConfig done = tiny_training(done_dir.str());
  done.epochs = 1;
  Trainer(done).run();
  done.resume = true;
  CHECK_THROWS_WITH(Trainer(done).run(), Catch::Contains("has completed 1 epoch(s)") && Catch::Contains("more epochs"));
}

TEST_CASE("initial weights: wrappers detected, a report, refusals when backbone tensors are missing", "[train][errors]") {
  c2am::testing::TempDir dir;
  ModelConfig config;
  config.backbone.depth = 18;
  config.backbone.base_width = 4;
  Model source(config);
  // The backbone under torchvision names, as a file with `prefix` added.
  const auto backbone_file = [&](const std::string& name, const std::string& prefix, bool with_fc_and_extra) {
    safetensors::NamedTensors tensors;
    for (const auto& [key, t] : source.state())
      if (key.rfind("backbone.", 0) == 0) tensors.emplace_back(prefix + key.substr(9), t);
    if (with_fc_and_extra) {
      tensors.emplace_back(prefix + "fc.weight", zeros({10, 8}));
      tensors.emplace_back("module.encoder_k.conv1.weight", zeros({1}));  // MoCo's key encoder: unused
    }
    const std::string path = dir.str() + "/" + name;
    safetensors::save(path, tensors);
    return path;
  };
  TrainConfig tc;
  tc.model = config;
  tc.weights_options.add_prefix = "backbone.";
  tc.weights_options.ignore = {"backbone.fc.*"};
  const auto load = [&](const std::string& path, const TrainConfig& c) {
    Model target(config);
    TrainConfig with = c;
    with.weights = path;
    const std::string note = load_initial_weights(target, with);
    // What was loaded equals the source.
    const auto expected = source.state();
    const auto loaded = target.state();
    for (std::size_t i = 0; i < loaded.size(); ++i)
      if (loaded[i].first.rfind("backbone.", 0) == 0)
        C2AM_REQUIRE_OK(c2am::testing::compare(loaded[i].second, expected[i].second, 0, 0));
    return note;
  };
  const std::string plain = backbone_file("plain.safetensors", "", false);
  CHECK_THAT(load(plain, tc), Catch::Contains("loaded") && !Catch::Contains("stripped"));
  CHECK_THAT(load(backbone_file("dp.safetensors", "module.", false), tc),
             Catch::Contains("prefix 'module.' stripped"));
  CHECK_THAT(load(backbone_file("moco.safetensors", "module.encoder_q.", true), tc),
             Catch::Contains("prefix 'module.encoder_q.' stripped") && Catch::Contains("unused"));
  // A c2am model file: the backbone under backbone., the head unused.
  const std::string model_file = dir.str() + "/model.safetensors";
  safetensors::save(model_file, source.state());
  CHECK_THAT(load(model_file, tc), Catch::Contains("prefix 'backbone.' stripped"));

  // Nothing matches: refused, naming the file and a key.
  const std::string unrelated = dir.str() + "/unrelated.safetensors";
  safetensors::save(unrelated, {{"foo", zeros({3})}});
  Model target(config);
  TrainConfig bad = tc;
  bad.weights = unrelated;
  CHECK_THAT(c2am::testing::error_message([&] { (void)load_initial_weights(target, bad); }),
             Catch::Contains("unrelated.safetensors") && Catch::Contains("foo") && Catch::Contains("convert_weights"));
  // ResNet-18 weights into ResNet-34: refused unless asked for.
  ModelConfig deeper = config;
  deeper.backbone.depth = 34;
  Model r34(deeper);
  TrainConfig partial = tc;
  partial.model = deeper;
  partial.weights = plain;
  CHECK_THAT(c2am::testing::error_message([&] { (void)load_initial_weights(r34, partial); }),
             Catch::Contains("backbone tensors are not in the file") && Catch::Contains("--partial-weights"));
  partial.partial_weights = true;
  CHECK_THAT(load_initial_weights(r34, partial), Catch::Contains("left random"));
}

TEST_CASE("sharded loaders split every global batch and together give the one-process batches", "[loader][dist]") {
  SyntheticConfig s;
  s.count = 23;
  s.image_size = 48;
  const auto dataset = make_synthetic(s);
  for (const bool drop_last : {true, false}) {
    for (const std::size_t shards : {2u, 3u}) {
      LoaderConfig whole_config = small_loader(1);
      whole_config.drop_last = drop_last;
      Loader whole(*dataset, whole_config);
      std::vector<std::vector<Batch>> parts;
      for (std::size_t shard = 0; shard < shards; ++shard) {
        LoaderConfig c = whole_config;
        c.shard = shard;
        c.shards = shards;
        Loader loader(*dataset, c);
        parts.push_back(whole_epoch(loader, 1));
      }
      const auto expected = whole_epoch(whole, 1);
      // 23 images in batches of 5: 4 full ones and, without drop_last, one of 3,
      // kept for 2 or 3 processes (each gets at least one image).
      REQUIRE(expected.size() == (drop_last ? 4u : 5u));
      for (std::size_t b = 0; b < expected.size(); ++b) {
        INFO("drop_last " << drop_last << ", " << shards << " processes, batch " << b);
        std::vector<std::size_t> joined;
        std::vector<Tensor> images;
        for (const auto& part : parts) {
          REQUIRE(part.size() == expected.size());
          CHECK(part[b].number == b);
          CHECK(!part[b].indices.empty());
          joined.insert(joined.end(), part[b].indices.begin(), part[b].indices.end());
          images.push_back(part[b].images);
        }
        CHECK(joined == expected[b].indices);
        C2AM_REQUIRE_OK(compare(cat(images, 0), expected[b].images, 0, 0));
      }
    }
  }
  LoaderConfig bad = small_loader(0);
  bad.shards = 2;
  bad.shard = 2;
  CHECK_THAT(testing::error_message([&] { Loader(*dataset, bad); }), Catch::Contains("shard 2 of 2 does not exist"));
  bad.shard = 0;
  bad.shards = 6;  // more processes than images in a batch of 5
  CHECK_THAT(testing::error_message([&] { Loader(*dataset, bad); }), Catch::Contains("cannot be shared by 6 processes"));
}
