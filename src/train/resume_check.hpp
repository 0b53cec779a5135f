#pragma once
// `train --resume` against the configuration the checkpoint records: what a
// resumed run may change (more epochs, another learning rate) is reported
// and recorded; what would make it another run (data, seed, batch size,
// transform) is refused unless allowed; another architecture is always
// refused, naming the checkpoint's.

#include <nlohmann/json.hpp>
#include <string>

namespace c2am::train {

struct ResumeCheck {
  std::string note;        // one line per changed option ("" when none)
  nlohmann::json changes;  // {option: [checkpoint's, now]} for the record
};

// `saved`: the checkpoint's "config"; `now`: this run's. Throws c2am::Error
// naming `checkpoint` and every refused difference.
// `architecture_advice` (optional) words how to ask for the checkpoint's
// architecture with the resuming command's own options.
ResumeCheck check_resumed_config(const nlohmann::json& saved, const nlohmann::json& now, bool allow_changes,
                                 const std::string& checkpoint, const std::string& architecture_advice = "");

}  // namespace c2am::train
