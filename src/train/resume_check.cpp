#include "train/resume_check.hpp"

#include <set>

#include "c2am/core/error.hpp"

namespace c2am::train {

namespace {

// The model itself: a checkpoint of another shape cannot be continued.
const std::set<std::string> kArchitecture = {"depth", "base_width", "strides", "stages", "task", "classes"};
// What the resumed steps would see differently from the steps already run:
// the images, their order and their transform, the batches.
const std::set<std::string> kRunDefining = {"dataset",   "split",       "seed",         "loader_seed", "batch_size",
                                            "resize",    "crop",        "drop_last",    "orientation", "alpha",
                                            "pseudo_boxes", "pseudo_boxes_digest", "crop_scale", "crop_ratio", "hflip"};
// Initial weights only matter at step 0.
const std::set<std::string> kIgnored = {"weights", "partial_weights"};

std::string show(const nlohmann::json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

std::string architecture_of(const nlohmann::json& c) {
  return "ResNet-" + show(c.value("depth", nlohmann::json("?"))) + ", base width " +
         show(c.value("base_width", nlohmann::json("?")));
}

}  // namespace

ResumeCheck check_resumed_config(const nlohmann::json& saved, const nlohmann::json& now, bool allow_changes,
                                 const std::string& checkpoint, const std::string& architecture_advice) {
  ResumeCheck out;
  out.changes = nlohmann::json::object();
  std::string architecture, refused, allowed;
  for (const auto& [key, value] : now.items()) {
    if (kIgnored.count(key)) continue;
    const nlohmann::json before = saved.contains(key) ? saved.at(key) : nlohmann::json();
    if (before == value) continue;
    const std::string line = key + " " + show(value) + " (checkpoint: " + (before.is_null() ? "not recorded" : show(before)) + ")";
    if (kArchitecture.count(key)) architecture += "\n  " + line;
    else if (kRunDefining.count(key)) refused += "\n  " + line;
    else allowed += "\n  " + line;
    out.changes[key] = {before, value};
  }
  if (!architecture.empty()) {
    const std::string advice =
        !architecture_advice.empty()
            ? architecture_advice
            : "Give the checkpoint's architecture (--backbone resnet" + show(saved.value("depth", nlohmann::json("?"))) +
                  " --base-width " + show(saved.value("base_width", nlohmann::json("?"))) + ") to continue it";
    throw Error("resume: " + checkpoint + " holds a " + architecture_of(saved) + " model, not the " +
                architecture_of(now) + " asked for:" + architecture + "\n" + advice + ", or train into another --out");
  }
  if (!refused.empty() && !allow_changes)
    throw Error("resume: these options differ from the run " + checkpoint + " was made with, and would make the "
                "resumed steps a different run:" + refused +
                "\nUse the checkpoint's values, train into another --out, or give --allow-changes to continue with "
                "them anyway (the change is recorded in the checkpoint)");
  if (!refused.empty() || !allowed.empty())
    out.note = "resume: options changed from the checkpoint's (recorded in it):" + refused + allowed;
  return out;
}

}  // namespace c2am::train
