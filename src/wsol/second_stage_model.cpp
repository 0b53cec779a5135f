// Loading a trained second-stage model (wsol/second_stage.hpp).

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "c2am/core/error.hpp"
#include "c2am/wsol/second_stage.hpp"

namespace c2am::wsol {

namespace {

// torchvision's depth from the tensors: blocks in layer3 and whether blocks
// are bottlenecks (conv3) tell 18, 34, 50 and 101 apart.
int depth_from_tensors(const safetensors::NamedTensors& tensors, const std::string& path) {
  std::set<int> layer3_blocks;
  bool bottleneck = false;
  for (const auto& [name, t] : tensors) {
    if (name.rfind("layer3.", 0) == 0) {
      const auto dot = name.find('.', 7);
      if (dot != std::string::npos) {
        try {
          layer3_blocks.insert(std::stoi(name.substr(7, dot - 7)));
        } catch (const std::exception&) {
        }
      }
    }
    if (name.find(".conv3.") != std::string::npos) bottleneck = true;
  }
  const std::size_t blocks = layer3_blocks.size();
  if (!bottleneck && blocks == 2) return 18;
  if (!bottleneck && blocks == 6) return 34;
  if (bottleneck && blocks == 6) return 50;
  if (bottleneck && blocks == 23) return 101;
  throw Error("second-stage model " + path + ": not a torchvision ResNet-18/34/50/101 (" + std::to_string(blocks) +
              " blocks in layer3" + (bottleneck ? ", bottlenecks" : "") + ")");
}

}  // namespace

SecondStageModel load_second_stage_model(const std::string& path, SecondStageTask expected, Device device) {
  safetensors::Metadata metadata;
  const safetensors::NamedTensors tensors = safetensors::load(path, &metadata);
  SecondStageModel out;
  std::int64_t base_width = 64;
  // A run's checkpoint holds the model under "model." beside the optimizer.
  const bool checkpoint = metadata.count("format") && metadata.at("format") == "c2am-second-stage-checkpoint-1";
  LoadOptions options;  // strict: every tensor, nothing else
  if (checkpoint) options.strip_prefix = "model.";
  std::map<std::string, Shape> shapes;
  for (const auto& [name, t] : tensors) shapes[name] = t.shape();
  // The task: in a model file's metadata, or in the recorded configuration of a checkpoint.
  const auto recorded = nlohmann::json::parse(metadata.count("config") ? metadata.at("config") : "", nullptr, false);
  std::string task_text = metadata.count("task") ? metadata.at("task") : "";
  if (task_text.empty() && recorded.is_object() && recorded.contains("task") && recorded["task"].is_string())
    task_text = recorded["task"].get<std::string>();
  if (!task_text.empty()) {
    const std::string task = task_text;
    check(task == "regressor" || task == "classifier", "second-stage model", path, ": unknown task '", task, "'");
    out.task = task == "regressor" ? SecondStageTask::regressor : SecondStageTask::classifier;
    const auto& config = recorded;
    check(!config.is_discarded() && config.is_object(), "second-stage model", path,
          ": its recorded configuration is missing or not valid JSON");
    out.depth = config.value("depth", 0);
    base_width = config.value("base_width", std::int64_t{64});
    out.classes = config.value("classes", std::int64_t{0});
  } else {
    // A torchvision classifier file: fc.weight [classes, C].
    check(shapes.count("fc.weight") && shapes.at("fc.weight").size() == 2 && shapes.count("conv1.weight"),
          "second-stage model", path,
          " is neither a model of `c2am wsol regressor|classifier train` nor a torchvision ResNet classifier "
          "(no conv1.weight and fc.weight [classes, C])");
    out.task = SecondStageTask::classifier;
    out.depth = depth_from_tensors(tensors, path);
    out.classes = shapes.at("fc.weight")[0];
    base_width = shapes.at("conv1.weight")[0];
  }
  check(out.task == expected, "second-stage model", path, " is a ", task_name(out.task), ", not a ",
        task_name(expected), expected == SecondStageTask::regressor ? " (give it as --classifier)" : " (give it as --regressor)");
  nn::ResNetConfig backbone = nn::torchvision_resnet(out.depth);
  backbone.base_width = base_width;
  if (out.task == SecondStageTask::regressor) {
    out.model = std::make_unique<nn::BoxRegressor>(backbone);
  } else {
    check(out.classes >= 1, "second-stage model", path, ": no class count recorded");
    out.model = std::make_unique<nn::ResNetClassifier>(backbone, out.classes);
  }
  if (checkpoint) {
    options.strict = false;  // the optimizer's tensors are not the model's
    const LoadReport report = load_state(*out.model, tensors, options, path);
    check(report.missing.empty(), "second-stage model", path, ": ", report.missing.size(), " model tensors missing");
  } else {
    load_state(*out.model, tensors, options, path);
  }
  out.model->to(device);
  out.model->eval();
  return out;
}

}  // namespace c2am::wsol
