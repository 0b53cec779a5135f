// The predictions file of wsol/predictions.hpp, parsed by hand: fields are
// split on blanks and each class goes through std::from_chars, so "+3",
// "0x3", "3.0" or "3abc" are refused instead of read as something else.

#include "c2am/wsol/predictions.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <string_view>

#include "c2am/core/error.hpp"

namespace c2am::wsol {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// Text for a message: bytes outside printable ASCII as \xHH (a binary file
// given by mistake must not write raw bytes to the terminal).
std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

ClassPredictions read_class_predictions(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("predictions " + file + ": cannot be read");
  ClassPredictions by_path;
  std::string line;
  for (long number = 1; std::getline(in, line); ++number) {
    const std::string where = "predictions " + file + ":" + std::to_string(number) + ": ";
    if (line.find('\0') != std::string::npos) throw Error(where + "a NUL byte: not a text file");
    const auto fields = fields_of(line);
    if (fields.empty()) continue;
    if (fields.size() < 2) throw Error(where + "expected 'path class [class ...]', found no class");
    std::vector<int> classes;
    for (std::size_t f = 1; f < fields.size(); ++f) {
      const std::string_view text = fields[f];
      int value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size() || value < 0)
        throw Error(where + "class '" + printable(text.substr(0, 40)) +
                    "' is not a class id (a non-negative integer); expected 'path class [class ...]'");
      if (std::find(classes.begin(), classes.end(), value) != classes.end())
        throw Error(where + "class " + std::to_string(value) + " is predicted twice");
      classes.push_back(value);
    }
    const std::string path(fields[0]);
    if (!by_path.emplace(path, std::move(classes)).second)
      throw Error(where + "a second prediction for " + printable(path));
  }
  if (in.bad()) throw Error("predictions " + file + ": read failed");
  if (by_path.empty()) throw Error("predictions " + file + ": holds no prediction");
  return by_path;
}

}  // namespace c2am::wsol
