#pragma once
// Reading and writing the safetensors format: an 8-byte little-endian header
// length, a JSON header mapping names to {dtype, shape, data_offsets} (plus
// an optional "__metadata__" object of strings), then the raw data.
//
// The reader trusts nothing in the file: the header length, every offset,
// shape and dtype are checked against the file's real size before anything
// is allocated, so a hostile or damaged file gives a c2am::Error naming the
// file and the problem, never a crash or an allocation of a claimed size.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "c2am/core/tensor.hpp"

namespace c2am::safetensors {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using Metadata = std::map<std::string, std::string>;

// Headers longer than this are refused (the format's own limit).
inline constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;

struct Entry {
  std::string name;
  std::string dtype;  // as written: "F32", "F16", "BF16", "F64", "I64", "I32", "U8", "BOOL", ...
  Shape shape;
  std::uint64_t begin = 0, end = 0;  // byte range inside the data section
};

struct Header {
  std::vector<Entry> entries;  // sorted by data offset
  Metadata metadata;
  std::uint64_t data_size = 0;  // bytes after the header
};

// Parses and validates a JSON header whose data section has `data_size`
// bytes. `source` names the file in errors.
Header parse_header(std::string_view json, std::uint64_t data_size, const std::string& source);

// Every tensor, in data-offset order, on the CPU. F32, F64, I64, I32 and U8
// keep their type; F16 and BF16 become float32. Other dtypes are an error.
NamedTensors load(const std::string& path, Metadata* metadata = nullptr);
// Only the "__metadata__" strings, from the checked header (no tensor data read).
Metadata read_metadata(const std::string& path);
NamedTensors load_from_memory(const void* data, std::size_t size, const std::string& source = "<memory>",
                              Metadata* metadata = nullptr);

// Writes `tensors` (any device; names unique) atomically: to a temporary
// file beside `path`, then renamed over it, so a crash never leaves a
// half-written file under the final name.
void save(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {});

}  // namespace c2am::safetensors
