// safetensors reading and writing, hostile files, and loading weights into
// modules (strict and not, prefixes, ignore patterns, shape mismatches).

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "c2am/io/weights.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::TempDir;
using c2am::testing::compare;
using c2am::testing::random_tensor;

namespace {

// A safetensors file from a literal header and data section.
std::string make_file(const std::string& header, const std::string& data = {}) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string error_of(const std::string& bytes) {
  try {
    safetensors::load_from_memory(bytes.data(), bytes.size(), "hostile.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string bytes_of(const std::vector<std::uint16_t>& values) {
  std::string out(values.size() * 2, '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

ModelConfig tiny(int depth, std::uint64_t seed = 1) {
  ModelConfig config;
  config.backbone.depth = depth;
  config.backbone.base_width = 4;
  config.seed = seed;
  return config;
}

}  // namespace

TEST_CASE("save and load round-trip every stored dtype and the metadata", "[safetensors]") {
  TempDir dir;
  Generator gen(41);
  const safetensors::NamedTensors tensors = {
      {"a.weight", random_tensor({3, 4}, gen, DType::Float32)},
      {"b", random_tensor({2, 1, 3}, gen, DType::Float64)},
      {"count", from_vector<std::int64_t>({7}, {}, DType::Int64)},
      {"bytes", from_vector<std::int64_t>({0, 1, 255}, {3}, DType::UInt8)},
      {"empty", zeros({0, 5})},
      {"strided", random_tensor({4, 3}, gen, DType::Float32).transpose(0, 1)},
  };
  const std::string path = dir.file("round.safetensors");
  safetensors::save(path, tensors, {{"format", "pt"}, {"note", "ünïcode"}});
  safetensors::Metadata metadata;
  const auto loaded = safetensors::load(path, &metadata);
  CHECK(metadata == safetensors::Metadata{{"format", "pt"}, {"note", "ünïcode"}});
  REQUIRE(loaded.size() == tensors.size());
  for (const auto& [name, t] : tensors) {
    INFO(name);
    const auto found = std::find_if(loaded.begin(), loaded.end(), [&](const auto& e) { return e.first == name; });
    REQUIRE(found != loaded.end());
    CHECK(found->second.dtype() == t.dtype());
    C2AM_REQUIRE_OK(compare(found->second, t, 0, 0));
  }
  // The data section starts 8-byte aligned, and no temporary file is left.
  std::ifstream in(path, std::ios::binary);
  std::uint64_t header_length = 0;
  in.read(reinterpret_cast<char*>(&header_length), 8);
  CHECK(header_length % 8 == 0);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("files written by the Python safetensors package load with their values", "[safetensors]") {
  // tools/safetensors_seeds.py: value = index / 8 - 1 (floats), 3 * index - 5 (int64), index (uint8).
  safetensors::Metadata metadata;
  const auto loaded = safetensors::load(std::string(C2AM_TEST_DATA_DIR) + "/python_written.safetensors", &metadata);
  CHECK(metadata.at("writer") == "python");
  std::map<std::string, Tensor> by_name(loaded.begin(), loaded.end());
  REQUIRE(by_name.size() == 6);
  CHECK(by_name.at("f32").shape() == Shape{2, 3, 4});
  CHECK(by_name.at("f16").dtype() == DType::Float32);
  CHECK(by_name.at("i64").dtype() == DType::Int64);
  CHECK(by_name.at("u8").dtype() == DType::UInt8);
  CHECK(by_name.at("empty").shape() == Shape{0, 3});
  for (const char* name : {"f32", "f64", "f16", "i64", "u8"}) {
    INFO(name);
    const auto values = by_name.at(name).to_vector<double>();
    REQUIRE(values.size() == 24);
    for (std::size_t i = 0; i < 24; ++i) {
      const double expected = std::string(name) == "i64" ? 3.0 * i - 5 : std::string(name) == "u8" ? i : i / 8.0 - 1;
      REQUIRE(values[i] == expected);
    }
  }
}

TEST_CASE("F16 and BF16 become float32 exactly", "[safetensors]") {
  // 1, -2, 65504 (largest half), 2^-24 (smallest subnormal), -0, +inf
  const std::vector<std::uint16_t> half = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00};
  // 1, -3, 2^-133 (bfloat16 subnormal), 3.140625
  const std::vector<std::uint16_t> bf16 = {0x3F80, 0xC040, 0x0001, 0x4049};
  const std::string file = make_file(
      R"({"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[12,20]}})",
      bytes_of(half) + bytes_of(bf16));
  const auto loaded = safetensors::load_from_memory(file.data(), file.size());
  REQUIRE(loaded.size() == 2);
  CHECK(loaded[0].first == "h");
  CHECK(loaded[0].second.dtype() == DType::Float32);
  const auto h = loaded[0].second.to_vector<float>();
  CHECK(h[0] == 1.0f);
  CHECK(h[1] == -2.0f);
  CHECK(h[2] == 65504.0f);
  CHECK(h[3] == std::ldexp(1.0f, -24));
  CHECK((h[4] == 0.0f && std::signbit(h[4])));
  CHECK(std::isinf(h[5]));
  const auto b = loaded[1].second.to_vector<float>();
  CHECK(b[0] == 1.0f);
  CHECK(b[1] == -3.0f);
  CHECK(b[2] == std::ldexp(1.0f, -133));
  CHECK(b[3] == 3.140625f);
  CHECK(loaded[1].second.shape() == Shape{2, 2});
}

TEST_CASE("hostile files give errors that name the file and the problem", "[safetensors][errors]") {
  const std::string ok_entry = R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string data(8, '\0');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "too short"},
      {std::string("\x10\x00\x00", 3), "too short"},
      {std::string("\x64\0\0\0\0\0\0\0", 8) + "{}", "header length"},         // 100 bytes claimed, 2 present
      {std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}", "header length"},  // 2^63
      {make_file("not json"), "not valid JSON"},
      {make_file("[1,2]"), "not a JSON object"},
      {make_file(R"({"t":{"shape":[2],"data_offsets":[0,8]}})", data), "no 'dtype'"},
      {make_file(R"({"t":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", data), "unsupported dtype"},
      {make_file(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data), "non-negative"},
      {make_file(R"({"t":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", data), "non-negative"},
      {make_file(R"({"t":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}})", data),
       "needs more bytes"},
      {make_file(R"({"t":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,8]}})", data),
       "too large"},
      {make_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", data), "outside"},
      {make_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data), "outside"},
      {make_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", data), "needs 8 bytes"},
      {make_file(R"({"t":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})", data), "F64[2]) needs more bytes"},
      {make_file(R"({"t":{"dtype":"U8","shape":[2],"data_offsets":[0,8]}})", data), "needs 2 bytes"},
      {make_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", data), "two non-negative"},
      {make_file(R"({"a":)" + ok_entry + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data),
       "overlap"},
      {make_file("{\"\xff\xfe\":" + ok_entry + "}", data), "not valid JSON"},  // not UTF-8
      {make_file(R"({"":)" + ok_entry + "}", data), "empty name"},
      {make_file(R"({"__metadata__":{"k":1}})"), "not a string"},
      {make_file(R"({"t":5})"), "not described by a JSON object"},
      {make_file(std::string(200, '[')), "not valid JSON"},
  };
  for (const auto& [bytes, expected] : cases) {
    const std::string message = error_of(bytes);
    INFO("message: " << message);
    CHECK_THAT(message, Catch::Contains("hostile.safetensors") && Catch::Contains(expected));
  }
}

TEST_CASE("files that cannot be read name the path", "[safetensors][errors]") {
  TempDir dir;
  const std::string missing = dir.file("absent.safetensors");
  CHECK_THROWS_WITH(safetensors::load(missing), Catch::Contains(missing));
  const std::string truncated = dir.file("truncated.safetensors");
  {
    std::ofstream out(truncated, std::ios::binary);
    const std::string whole = make_file(R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                                        std::string(16, '\0'));
    out << whole.substr(0, whole.size() - 5);
  }
  CHECK_THROWS_WITH(safetensors::load(truncated), Catch::Contains(truncated) && Catch::Contains("11-byte data section"));
  CHECK_THROWS_WITH(safetensors::save(dir.file("no/such/dir/x.safetensors"), {{"t", zeros({1})}}),
                    Catch::Contains("no/such/dir"));
  CHECK_THROWS_WITH(safetensors::save(dir.file("dup.safetensors"), {{"t", zeros({1})}, {"t", zeros({2})}}),
                    Catch::Contains("twice"));
}

TEST_CASE("a model saved and loaded computes the same outputs", "[safetensors][model]") {
  TempDir dir;
  Model source(tiny(18, 1));
  Generator gen(42);
  const Tensor images = random_tensor({2, 3, 32, 32}, gen, DType::Float32);
  source.forward(images);  // move the running statistics away from their initial values
  source.eval();
  const ModelOutput expected = source.forward(images);
  save_weights(source, dir.file("model.safetensors"));

  Model restored(tiny(18, 2));
  const LoadReport report = load_weights(restored, dir.file("model.safetensors"));
  CHECK(report.loaded == source.state().size());
  CHECK(report.missing.empty());
  CHECK(report.unexpected.empty());
  restored.eval();
  const ModelOutput actual = restored.forward(images);
  C2AM_REQUIRE_OK(compare(actual.map, expected.map, 0, 0));
  C2AM_REQUIRE_OK(compare(actual.fg, expected.fg, 0, 0));
  CHECK(restored.head().norm().num_batches_tracked.item() == 1);
}

TEST_CASE("weights for another architecture fail on the first mismatching key", "[safetensors][model]") {
  TempDir dir;
  Model resnet18(tiny(18));
  save_weights(resnet18, dir.file("r18.safetensors"));
  Model resnet50(tiny(50));
  const Tensor before = resnet50.state().front().second.clone();
  try {
    load_weights(resnet50, dir.file("r18.safetensors"));
    FAIL("loading ResNet-18 weights into ResNet-50 succeeded");
  } catch (const Error& e) {
    const std::string message = e.what();
    INFO(message);
    // In model order, layer1.0.conv1 is the first key whose shape differs:
    // a 3×3 convolution in ResNet-18, a 1×1 in ResNet-50.
    CHECK_THAT(message, Catch::Contains("backbone.layer1.0.conv1.weight") && Catch::Contains("[4, 4, 3, 3]") &&
                            Catch::Contains("[4, 4, 1, 1]") && Catch::Contains("r18.safetensors"));
  }
  // Nothing was copied before the error.
  C2AM_REQUIRE_OK(compare(resnet50.state().front().second, before, 0, 0));
}

TEST_CASE("strict and non-strict loading, prefixes and ignore patterns", "[safetensors][model]") {
  Model model(tiny(18));
  nn::ResNetConfig config = model.config().backbone;
  Generator gen(43);
  nn::ResNet other(config, gen);

  // A MoCo-style file: the backbone under "module.encoder_q.", a key-encoder
  // copy and a queue that must be skipped, and an fc layer to ignore.
  safetensors::NamedTensors file;
  for (const auto& [name, t] : other.state()) {
    file.emplace_back("module.encoder_q." + name, t);
    file.emplace_back("module.encoder_k." + name, t);
  }
  file.emplace_back("module.encoder_q.fc.weight", zeros({10, 48}));
  file.emplace_back("module.queue", zeros({4, 4}));

  LoadOptions options;
  options.strip_prefix = "module.encoder_q.";
  options.add_prefix = "backbone.";
  options.ignore = {"backbone.fc.*"};
  CHECK_THROWS_WITH(load_state(model, file, options, "moco.safetensors"),
                    Catch::Contains("missing") && Catch::Contains("ac_head.activation_head.weight"));
  options.strict = false;
  const LoadReport report = load_state(model, file, options, "moco.safetensors");
  CHECK(report.loaded == other.state().size());
  CHECK(report.unexpected.empty());
  CHECK(report.missing.size() == 6);  // the head's conv weight and BatchNorm's five entries
  CHECK(report.skipped == other.state().size() + 2);
  C2AM_REQUIRE_OK(compare(model.backbone().state().front().second, other.state().front().second, 0, 0));

  options.ignore.clear();
  const LoadReport with_fc = load_state(model, file, options, "moco.safetensors");
  CHECK(with_fc.unexpected == std::vector<std::string>{"backbone.fc.weight"});
  options.strict = true;
  options.add_prefix.clear();
  CHECK_THROWS_WITH(load_state(model.backbone(), file, options, "moco.safetensors"),
                    Catch::Contains("unexpected") && Catch::Contains("fc.weight"));
}

TEST_CASE("glob patterns", "[safetensors]") {
  CHECK(glob_match("fc.*", "fc.weight"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*.bias", "layer1.0.bn1.bias"));
  CHECK(glob_match("a*b*c", "aXXbYYc"));
  CHECK_FALSE(glob_match("fc.*", "backbone.fc.weight"));
  CHECK_FALSE(glob_match("a*b", "ab_"));
  CHECK(glob_match("layer?", "layer?"));  // only '*' is special
}
