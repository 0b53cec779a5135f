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
  bool split_given = false;  // --split set on the command line
  bool skip_unreadable = false;
};

// Prints the table, writes the JSON; returns the exit status.
int run_maps_eval(const MapsEvalRequest& request);

}  // namespace c2am::cli
