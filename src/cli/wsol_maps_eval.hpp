#pragma once
// `c2am wsol eval --maps DIR`: score maps computed by any method (.npy, one
// per image) against a dataset's boxes, under either WSOL protocol.

#include <string>

#include "c2am/wsol/boxes.hpp"

namespace c2am::cli {

struct MapsEvalRequest {
  std::string maps_dir, data, split, json_path;
  wsol::Protocol protocol = wsol::Protocol::wsolevaluation;
  int input_size = 0, resize = 480, crop = 448;
  bool progress = true;
};

// Prints the table, writes the JSON; returns the exit status.
int run_maps_eval(const MapsEvalRequest& request);

// Checks before any work that `path` can be written: its folder exists or
// can be made, and is writable. Throws naming `option` and the path.
void require_writable_output(const std::string& path, const char* option);

}  // namespace c2am::cli
