#include "train/run_files.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "c2am/core/error.hpp"
#include "c2am/io/weights.hpp"
#include "io/atomic_file.hpp"
#include "train/resume_check.hpp"

namespace fs = std::filesystem;

namespace c2am::train {

void require_new_or_continued_run(const std::string& output_dir, bool resume, bool overwrite, const char* command) {
  check(!(resume && overwrite), command,
        "--resume continues the run in the output folder and --overwrite replaces it: give one of them");
  // An earlier run is continued or replaced only when asked: its checkpoint,
  // model and log are results, not scratch files.
  if (!resume && !overwrite) {
    std::string held;
    for (const char* name : {"checkpoint.safetensors", "model.safetensors", "log.jsonl"})
      if (fs::exists(output_dir + "/" + name)) held += (held.empty() ? "" : ", ") + std::string(name);
    check(held.empty(), command, output_dir, " already holds a run (", held,
          "): give --resume to continue it, --overwrite to replace it, or another --out");
  }
}

void prepare_output_dir(const std::string& output_dir, bool resume, bool overwrite, const char* command) {
  require_new_or_continued_run(output_dir, resume, overwrite, command);
  std::error_code ec;
  fs::create_directories(output_dir, ec);
  check(!ec && fs::is_directory(output_dir), command, "cannot create the output directory ", output_dir,
        ec ? " (" + ec.message() + ")" : std::string(" (a file has that name)"));
}

void save_checkpoint(const std::string& path, const std::string& format, const nn::Module& model,
                     const nn::NamedTensors& optimizer, const RunPosition& at, const nlohmann::json& config,
                     const nlohmann::json& history) {
  safetensors::NamedTensors tensors;
  for (const auto& [name, t] : model.state()) tensors.emplace_back("model." + name, t);
  for (const auto& [name, t] : optimizer) tensors.emplace_back("optim." + name, t);
  safetensors::Metadata metadata = {{"format", format},
                                    {"step", std::to_string(at.step)},
                                    {"epoch", std::to_string(at.epoch)},
                                    {"batch", std::to_string(at.batch)},
                                    {"config", config.dump()},
                                    {"config_changes", history.dump()}};
  for (const auto& [key, value] : at.extra) metadata[key] = value;
  safetensors::save(path, tensors, metadata);
}

RunPosition load_checkpoint(const std::string& path, const std::string& format, nn::Module& model,
                            const std::function<void(const nn::NamedTensors&)>& load_optimizer) {
  safetensors::Metadata metadata;
  const auto tensors = safetensors::load(path, &metadata);
  check(metadata.count("format") && metadata.at("format") == format, "resume", path, " is not a ", format,
        " checkpoint", metadata.count("format") ? " (it is a " + metadata.at("format") + " one)" : std::string());
  LoadOptions model_options;
  model_options.strip_prefix = "model.";
  load_state(model, tensors, model_options, path);
  safetensors::NamedTensors optimizer;
  for (const auto& [name, t] : tensors)
    if (name.rfind("optim.", 0) == 0) optimizer.emplace_back(name.substr(6), t);
  load_optimizer(optimizer);
  RunPosition at;
  try {
    at.step = std::stoull(metadata.at("step"));
    at.epoch = std::stoull(metadata.at("epoch"));
    at.batch = std::stoull(metadata.at("batch"));
  } catch (const std::exception&) {
    throw Error("resume: " + path + " has a damaged position (step/epoch/batch)");
  }
  for (const auto& [key, value] : metadata)
    if (key != "format" && key != "step" && key != "epoch" && key != "batch" && key != "config" &&
        key != "config_changes")
      at.extra[key] = value;
  return at;
}

nlohmann::json check_resume(const std::string& checkpoint, const std::string& format, const nlohmann::json& config,
                            bool allow_changes, const std::function<void(const std::string&)>& on_note,
                            const std::string& architecture_advice) {
  check(fs::exists(checkpoint), "resume", "no checkpoint at ", checkpoint);
  const safetensors::Metadata metadata = safetensors::read_metadata(checkpoint);
  check(metadata.count("format") && metadata.at("format") == format, "resume", checkpoint, " is not a ", format,
        " checkpoint", metadata.count("format") ? " (it is a " + metadata.at("format") + " one)" : std::string());
  const auto parsed = [&](const char* key, nlohmann::json fallback) {
    if (!metadata.count(key)) return fallback;
    nlohmann::json value = nlohmann::json::parse(metadata.at(key), nullptr, false);
    check(!value.is_discarded(), "resume", checkpoint, ": its recorded ", key, " is not valid JSON");
    return value;
  };
  nlohmann::json history = parsed("config_changes", nlohmann::json::array());
  const nlohmann::json saved = parsed("config", nlohmann::json());
  if (saved.is_null()) {
    if (on_note) on_note("resume: " + checkpoint + " records no configuration; the options cannot be compared");
    return history;
  }
  const ResumeCheck result = check_resumed_config(saved, config, allow_changes, checkpoint, architecture_advice);
  if (!result.note.empty() && on_note) on_note(result.note);
  if (!result.changes.empty())
    history.push_back({{"resumed_at_step", metadata.count("step") ? metadata.at("step") : "?"},
                       {"changed", result.changes}});
  return history;
}

void truncate_log(const std::string& path, std::size_t step) {
  std::ifstream in(path);
  if (!in) return;
  std::string kept, line;
  while (std::getline(in, line)) {
    const auto entry = nlohmann::json::parse(line, nullptr, false);
    if (!entry.is_discarded() && entry.contains("step") && entry["step"].is_number_unsigned() &&
        entry["step"].get<std::size_t>() < step)
      kept += line + "\n";
  }
  in.close();
  io::write_text_atomically(path, kept);
}

bool all_finite(const nn::Module& model) {
  for (const auto& [name, t] : model.state()) {
    if (t.dtype() != DType::Float32 && t.dtype() != DType::Float64) continue;
    const Tensor host = t.detach().to(Device::cpu());
    for (double v : host.to_vector<double>())
      if (!std::isfinite(v)) return false;
  }
  return true;
}

std::string format_double(double v) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

}  // namespace c2am::train
