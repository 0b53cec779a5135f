#include "c2am/io/weights.hpp"

#include <map>

#include "c2am/autograd/grad_mode.hpp"
#include "io/finite_check.hpp"
#include "io/weights_detail.hpp"

namespace c2am {

bool glob_match(const std::string& pattern, const std::string& text) {
  // Iterative wildcard matching with backtracking to the last '*'.
  std::size_t p = 0, t = 0, star = std::string::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string io::key_list(const std::vector<std::string>& keys, std::size_t most) {
  std::string out;
  for (std::size_t i = 0; i < keys.size() && i < most; ++i) out += (i ? ", " : "") + keys[i];
  if (keys.size() > most) out += ", … (" + std::to_string(keys.size()) + " in all)";
  return out;
}

LoadReport load_state(nn::Module& module, const safetensors::NamedTensors& tensors, const LoadOptions& options,
                      const std::string& source) {
  LoadReport report;
  std::map<std::string, Tensor> provided;
  for (const auto& [file_key, t] : tensors) {
    if (!options.strip_prefix.empty() && file_key.rfind(options.strip_prefix, 0) != 0) {
      ++report.skipped;
      continue;
    }
    const std::string key = options.add_prefix + file_key.substr(options.strip_prefix.size());
    bool ignored = false;
    for (const auto& pattern : options.ignore) ignored = ignored || glob_match(pattern, key);
    if (ignored) {
      ++report.skipped;
      continue;
    }
    provided[key] = t;
  }

  const nn::NamedTensors state = module.state();
  std::map<std::string, Tensor> targets;
  std::vector<std::pair<Tensor, Tensor>> copies;  // (module tensor, file tensor)
  for (const auto& [key, target] : state) {
    targets[key] = target;
    const auto found = provided.find(key);
    if (found == provided.end()) {
      report.missing.push_back(key);
      continue;
    }
    const Tensor& value = found->second;
    check(value.shape() == target.shape(), "load_weights", source, ": '", key, "' has shape ",
          shape_str(value.shape()), " in the file but ", shape_str(target.shape()),
          " in the model (weights for another architecture?)");
    if (value.dtype() == DType::Float32 || value.dtype() == DType::Float64 || value.dtype() == DType::Float16 ||
        value.dtype() == DType::BFloat16) {
      const std::vector<double> values = value.to(Device::cpu()).to(DType::Float64).contiguous().to_vector<double>();
      io::require_finite(values.data(), values.size(), "load_weights: " + source + ": '" + key + "'");
    }
    copies.emplace_back(target, value);
  }
  for (const auto& [key, value] : provided) {
    if (!targets.count(key)) report.unexpected.push_back(key);
  }
  if (options.strict) {
    check(report.missing.empty(), "load_weights", source, ": missing ", report.missing.size(), " key(s): ",
          io::key_list(report.missing));
    check(report.unexpected.empty(), "load_weights", source, ": ", report.unexpected.size(),
          " unexpected key(s): ", io::key_list(report.unexpected));
  }
  NoGradGuard no_grad;
  for (auto& [target, value] : copies) {
    Tensor destination = target;
    destination.copy_(value.to(target.dtype()).to(target.device()));
  }
  report.loaded = copies.size();
  return report;
}

LoadReport load_weights(nn::Module& module, const std::string& path, const LoadOptions& options) {
  return load_state(module, safetensors::load(path), options, path);
}

void save_weights(const nn::Module& module, const std::string& path, const safetensors::Metadata& metadata) {
  safetensors::save(path, module.state(), metadata);
}

}  // namespace c2am
