#pragma once
// Files written atomically: the content goes to a uniquely named temporary
// file beside the target, which is then renamed over it, so a reader never
// sees a half-written file and a failed write leaves the old one in place.

#include <functional>
#include <string>

namespace c2am::io {

// Runs write(temporary) — false means it failed — then renames the result
// over `path`. Errors start with `owner` and name `path`.
void write_atomically(const std::string& path, const std::function<bool(const std::string& temporary)>& write,
                      const std::string& owner);

// Text (JSON, HTML, logs); creates the parent directory when missing.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace c2am::io
