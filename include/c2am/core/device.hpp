#pragma once
// Where a tensor's memory lives. The device is chosen at run time: one binary
// runs on CPU or on any CUDA GPU it finds.

#include <string>

namespace c2am {

struct Device {
  enum class Kind { CPU, CUDA };

  Kind kind = Kind::CPU;
  int index = 0;  // GPU ordinal; always 0 for the CPU

  static Device cpu() { return {Kind::CPU, 0}; }
  static Device cuda(int index = 0) { return {Kind::CUDA, index}; }
  // Parses "cpu", "cuda" or "cuda:N"; throws c2am::Error on anything else.
  static Device parse(const std::string& text);

  bool is_cpu() const { return kind == Kind::CPU; }
  bool is_cuda() const { return kind == Kind::CUDA; }
  // "cpu" or "cuda:N".
  std::string str() const;

  friend bool operator==(const Device& a, const Device& b) {
    return a.kind == b.kind && a.index == b.index;
  }
  friend bool operator!=(const Device& a, const Device& b) { return !(a == b); }
};

}  // namespace c2am
