#pragma once
// Output paths checked before any work: a command that would find out after
// an hour of computing that its --out is read-only, a file, or a folder,
// says so at once, with the system's reason.

#include <string>

namespace c2am::cli {

// `path` will be written as a file: its folder exists or can be made, is
// writable, and `path` itself is not a folder. Throws naming `option`.
void require_output_file(const std::string& path, const char* option);

// `path` will receive files: it exists as a folder or can be made, and is
// writable. Throws naming `option`.
void require_output_folder(const std::string& path, const char* option);

// An output folder inside the folder of a folder:/voc-xml: dataset would have
// its outputs read back as images by the next run: refused, naming both.
void require_outside_data(const std::string& out, const std::string& data_spec);

}  // namespace c2am::cli
