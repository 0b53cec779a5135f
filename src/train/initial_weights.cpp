// Initial weights of a training run: a backbone file from PyTorch (after
// tools/convert_weights.py or as safetensors already), loaded by name, with
// the usual wrapper prefixes detected, a report, and a refusal when the file
// leaves backbone tensors missing (unless a partial load was asked for).

#include <algorithm>
#include <set>
#include <sstream>

#include "c2am/core/error.hpp"
#include "c2am/train/trainer.hpp"
#include "io/weights_detail.hpp"
#include "train/wrapper_prefix.hpp"

namespace c2am {

namespace {

// Prefixes that wrap a ResNet's torchvision names in the checkpoints people
// start from: DataParallel, MoCo's query encoder (with and without it), and
// models that hold the ResNet as `backbone` (c2am's own model files too).
const std::vector<std::string> kWrappers = {"module.encoder_q.", "encoder_q.", "module.backbone.", "module.",
                                            "backbone."};

bool ignored(const LoadOptions& o, const std::string& key) {
  for (const std::string& pattern : o.ignore)
    if (glob_match(pattern, key)) return true;
  return false;
}

// How many file keys land on a model key with `strip` removed.
std::size_t matches(const safetensors::NamedTensors& file, const std::set<std::string>& model_keys,
                    const LoadOptions& o, const std::string& strip) {
  std::size_t n = 0;
  for (const auto& [key, t] : file) {
    if (key.rfind(strip, 0) != 0) continue;
    const std::string k = o.add_prefix + key.substr(strip.size());
    n += !ignored(o, k) && model_keys.count(k);
  }
  return n;
}

}  // namespace

namespace train {

std::string detect_wrapper_prefix(const safetensors::NamedTensors& file, const std::set<std::string>& model_keys,
                                  const LoadOptions& options) {
  std::string stripped;
  std::size_t best = matches(file, model_keys, options, "");
  for (const std::string& w : kWrappers) {
    const std::size_t n = matches(file, model_keys, options, w);
    if (n > best) best = n, stripped = w;
  }
  return stripped;
}

}  // namespace train

std::string load_initial_weights(Model& model, const TrainConfig& config) {
  const safetensors::NamedTensors file = safetensors::load(config.weights);
  LoadOptions options = config.weights_options;
  options.strict = false;
  std::set<std::string> model_keys;
  std::size_t backbone_total = 0;
  for (const auto& [key, t] : model.state()) {
    model_keys.insert(key);
    backbone_total += key.rfind("backbone.", 0) == 0;
  }
  std::string stripped;
  if (options.strip_prefix.empty()) {
    stripped = train::detect_wrapper_prefix(file, model_keys, options);
    options.strip_prefix = stripped;
  }
  const LoadReport report = load_state(model, file, options, config.weights);

  std::vector<std::string> backbone_missing;
  for (const std::string& key : report.missing)
    if (key.rfind("backbone.", 0) == 0) backbone_missing.push_back(key);
  std::vector<std::string> file_keys;
  for (const auto& [key, t] : file) file_keys.push_back(key);
  check(report.loaded > 0, "train", "--weights ", config.weights, ": no tensor of the file matches the model (",
        file.size(), " tensors, e.g. ", io::key_list(file_keys), "; the model expects torchvision names such as conv1.weight",
        options.add_prefix.empty() ? "" : " under '" + options.add_prefix + "'",
        "). Convert PyTorch checkpoints with tools/convert_weights.py, or give --weights-prefix");
  check(backbone_missing.empty() || config.partial_weights, "train", "--weights ", config.weights, ": ",
        backbone_missing.size(), " of ", backbone_total, " backbone tensors are not in the file (",
        io::key_list(backbone_missing), "): weights for another architecture? Give --partial-weights to train with "
        "them left at their random initialization");

  std::ostringstream note;
  note << "weights " << config.weights << ": loaded " << report.loaded << " of " << model_keys.size()
       << " model tensors (" << backbone_total - backbone_missing.size() << " of " << backbone_total << " backbone)";
  if (!stripped.empty()) note << ", prefix '" << stripped << "' stripped";
  if (!config.weights_options.strip_prefix.empty()) note << ", prefix '" << options.strip_prefix << "' given";
  if (!backbone_missing.empty()) note << "; " << backbone_missing.size() << " backbone tensors left random (--partial-weights)";
  const std::size_t unused = report.unexpected.size() + report.skipped;
  if (unused) note << "; " << unused << " tensors of the file unused";
  return note.str();
}

}  // namespace c2am
