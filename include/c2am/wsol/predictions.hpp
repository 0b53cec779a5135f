#pragma once
// A classifier's predictions for Top-1/Top-5 Loc, as a text file: one line
// per image, "path class1 [class2 ...]" separated by spaces or tabs, best
// class first (class ids are the dataset's 0-based labels). The path is the
// image's identity (its path below the dataset root, with or without
// extension) or its full path; blank lines are skipped. Paths therefore
// cannot contain whitespace.

#include <map>
#include <string>
#include <vector>

namespace c2am::wsol {

// Image name → its predicted class ids, best first (at least one).
using ClassPredictions = std::map<std::string, std::vector<int>>;

// Reads and checks a predictions file. Throws c2am::Error naming the file
// and the line for: a file that cannot be read or holds no prediction, a
// line without a class, a class that is not a non-negative decimal integer
// that fits an int, a class repeated on one line, a second line for the
// same path, and a NUL byte (a binary file given by mistake).
ClassPredictions read_class_predictions(const std::string& file);

}  // namespace c2am::wsol
