#pragma once
// The files of a training run in its output folder, shared by `c2am train`
// (C²AM) and the second WSOL stage: the refusal to overwrite an earlier run,
// atomic checkpoints (model state, SGD momentum, position, configuration,
// history of resumes), the resume check, the JSONL log and the finiteness
// check before a checkpoint replaces the last good one.

#include <cstddef>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "c2am/nn/module.hpp"

namespace c2am::train {

// Throws unless `output_dir` holds no run (checkpoint, model or log), or the
// caller resumes or overwrites it. Checks only: called before any weights
// are read, so that a refused run reads nothing and leaves nothing behind.
void require_new_or_continued_run(const std::string& output_dir, bool resume, bool overwrite, const char* command);

// The check above, then the folder made (just before the first write).
void prepare_output_dir(const std::string& output_dir, bool resume, bool overwrite, const char* command);

struct RunPosition {
  std::size_t step = 0, epoch = 0, batch = 0;  // the next step, epoch and batch to run
  std::map<std::string, std::string> extra;    // run-specific metadata ("flipped")
};

// `format` names the checkpoint kind ("c2am-checkpoint-1"); a checkpoint of
// another kind is refused when loading or resuming.
// `optimizer`: the optimizer's state (Sgd::state, Adam::state), stored as
// "optim.<name>" and handed back to `load_optimizer` on loading.
void save_checkpoint(const std::string& path, const std::string& format, const nn::Module& model,
                     const nn::NamedTensors& optimizer, const RunPosition& at, const nlohmann::json& config,
                     const nlohmann::json& history);
RunPosition load_checkpoint(const std::string& path, const std::string& format, nn::Module& model,
                            const std::function<void(const nn::NamedTensors&)>& load_optimizer);

// The checkpoint's recorded configuration against `config` (resume_check.hpp);
// returns the history of changes to record, this resume's included.
nlohmann::json check_resume(const std::string& checkpoint, const std::string& format, const nlohmann::json& config,
                            bool allow_changes, const std::function<void(const std::string&)>& on_note,
                            const std::string& architecture_advice = "");

// Keeps the log lines of steps before `step` (a resumed run rewrites the rest).
void truncate_log(const std::string& path, std::size_t step);

// Whether every floating-point parameter and buffer is finite.
bool all_finite(const nn::Module& model);

// Shortest text that reads back as the same double.
std::string format_double(double v);

}  // namespace c2am::train
