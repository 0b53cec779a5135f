#include "c2am/inference.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/data/transforms.hpp"
#include "c2am/io/weights.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am {

TrainedModel load_trained_model(const std::string& path, Device device) {
  safetensors::Metadata metadata;
  const auto tensors = safetensors::load(path, &metadata);
  check(metadata.count("config") == 1, "load_trained_model", path,
        " has no 'config' metadata (not written by c2am training)");
  const auto config = nlohmann::json::parse(metadata.at("config"), nullptr, false);
  check(!config.is_discarded() && config.is_object(), "load_trained_model", path, ": damaged 'config' metadata");
  ModelConfig model_config;
  try {
    model_config.backbone.depth = config.at("depth").get<int>();
    model_config.backbone.base_width = config.at("base_width").get<std::int64_t>();
    model_config.backbone.strides = config.at("strides").get<std::array<int, 4>>();
    model_config.backbone.stages = config.at("stages").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("load_trained_model: " + path + ": incomplete 'config' metadata (" + e.what() + ")");
  }
  // The recorded width must be the stored stem's before a model of that
  // width is built: a damaged or hostile config must not size allocations.
  const bool is_checkpoint = metadata.count("format") == 1;
  const std::string stem_name = std::string(is_checkpoint ? "model." : "") + "backbone.conv1.weight";
  const auto stem = std::find_if(tensors.begin(), tensors.end(), [&](const auto& t) { return t.first == stem_name; });
  check(stem != tensors.end(), "load_trained_model", path, " holds no ", stem_name, " (not a c2am model file)");
  check(stem->second.dim() == 4 && stem->second.size(0) == model_config.backbone.base_width, "load_trained_model",
        path, ": its config says base width ", model_config.backbone.base_width, " but ", stem_name, " is ",
        shape_str(stem->second.shape()));
  const int depth = model_config.backbone.depth;
  check(depth == 18 || depth == 34 || depth == 50 || depth == 101, "load_trained_model", path,
        ": its config says ResNet depth ", depth, " (18, 34, 50 or 101)");
  for (int s : model_config.backbone.strides)
    check(s == 1 || s == 2, "load_trained_model", path, ": its config has a stage stride of ", s, " (1 or 2)");
  model_config.device = device;
  TrainedModel out;
  out.model = std::make_unique<Model>(model_config);
  LoadOptions options;
  // A checkpoint prefixes the model's names; a weights file does not.
  if (is_checkpoint) options.strip_prefix = "model.";
  load_state(*out.model, tensors, options, path);
  out.flipped = metadata.count("flipped") == 1 && metadata.at("flipped") == "1";
  out.model->eval();
  return out;
}

std::vector<float> activation_map(Model& model, const Image& image, int input_size, bool flipped) {
  NoGradGuard no_grad;
  const Tensor input = to_batch({resize(image, input_size, input_size)}).to(model.config().device);
  Tensor map = model.forward(input).map;
  if (flipped) map = 1.0 - map;
  // Upsampled on the CPU: the map is small, and the result goes to the host anyway.
  const Tensor full = resize_bilinear(map.to(Device::cpu()), image.height, image.width).to(DType::Float32);
  return full.to_vector<float>();
}

}  // namespace c2am
