#include "c2am/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "io/atomic_file.hpp"

namespace c2am::safetensors {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

using json = nlohmann::json;

struct DTypeInfo {
  std::size_t file_bytes;  // element size in the file
  DType loaded;            // what the element becomes in memory
};

bool dtype_info(const std::string& name, DTypeInfo& info) {
  static const std::map<std::string, DTypeInfo> known = {
      {"F32", {4, DType::Float32}}, {"F64", {8, DType::Float64}}, {"F16", {2, DType::Float32}},
      {"BF16", {2, DType::Float32}}, {"I64", {8, DType::Int64}},  {"I32", {4, DType::Int32}},
      {"U8", {1, DType::UInt8}},
  };
  const auto found = known.find(name);
  if (found == known.end()) return false;
  info = found->second;
  return true;
}

const char* file_dtype(DType dtype) {
  switch (dtype) {
    case DType::Float32: return "F32";
    case DType::Float64: return "F64";
    case DType::Float16: return "F16";
    case DType::BFloat16: return "BF16";
    case DType::Int64: return "I64";
    case DType::Int32: return "I32";
    case DType::UInt8: return "U8";
  }
  return "?";
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // infinity or NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal half: normalize into a float.
    std::uint32_t e = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

float bfloat16_to_float(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

[[noreturn]] void fail(const std::string& source, const std::string& message) {
  throw Error("safetensors: " + source + ": " + message);
}

std::uint64_t read_u64_le(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Entry parse_entry(const std::string& name, const json& value, std::uint64_t data_size, const std::string& source) {
  const std::string where = "tensor '" + name + "'";
  if (name.empty()) fail(source, "a tensor has an empty name");
  if (!value.is_object()) fail(source, where + " is not described by a JSON object");
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(key)) fail(source, where + " has no '" + key + "'");
  }
  Entry e;
  e.name = name;
  if (!value["dtype"].is_string()) fail(source, where + ": dtype is not a string");
  e.dtype = value["dtype"].get<std::string>();
  DTypeInfo info{};
  if (!dtype_info(e.dtype, info)) fail(source, where + " has unsupported dtype '" + e.dtype + "'");

  const json& shape = value["shape"];
  if (!shape.is_array()) fail(source, where + ": shape is not an array");
  if (shape.size() > 16) fail(source, where + " has " + std::to_string(shape.size()) + " dimensions (at most 16)");
  for (const json& d : shape) {
    if (!d.is_number_unsigned()) fail(source, where + ": shape entries must be non-negative integers");
    const std::uint64_t size = d.get<std::uint64_t>();
    if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail(source, where + ": dimension " + std::to_string(size) + " is too large");
    e.shape.push_back(static_cast<std::int64_t>(size));
  }
  // Bytes the shape needs, compared with the data section one factor at a
  // time so that the product cannot overflow.
  std::uint64_t bytes = info.file_bytes;
  if (std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end()) bytes = 0;
  for (const std::int64_t size : e.shape) {
    if (bytes == 0) break;
    if (bytes > data_size / static_cast<std::uint64_t>(size))
      fail(source, where + " (" + e.dtype + shape_str(e.shape) + ") needs more bytes than the file's " +
                       std::to_string(data_size) + "-byte data section");
    bytes *= static_cast<std::uint64_t>(size);
  }

  const json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    fail(source, where + ": data_offsets must be two non-negative integers");
  e.begin = offsets[0].get<std::uint64_t>();
  e.end = offsets[1].get<std::uint64_t>();
  if (e.begin > e.end || e.end > data_size)
    fail(source, where + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                     "] lie outside the " + std::to_string(data_size) + "-byte data section");
  if (e.end - e.begin != bytes)
    fail(source, where + ": " + e.dtype + shape_str(e.shape) + " needs " + std::to_string(bytes) +
                     " bytes but data_offsets span " + std::to_string(e.end - e.begin));
  return e;
}

// Reads `bytes` bytes at `offset` of the data section into `dst`.
using DataReader = std::function<void(std::uint64_t offset, std::uint64_t bytes, void* dst)>;

Tensor read_tensor(const Entry& e, const DataReader& read) {
  DTypeInfo info{};
  dtype_info(e.dtype, info);
  Tensor t = empty(e.shape, info.loaded);
  const std::uint64_t bytes = e.end - e.begin;
  if (bytes == 0) return t;
  if (e.dtype == "F16" || e.dtype == "BF16") {
    std::vector<std::uint16_t> raw(static_cast<std::size_t>(bytes / 2));
    read(e.begin, bytes, raw.data());
    float* out = t.data<float>();
    const bool half = e.dtype == "F16";
    for (std::size_t i = 0; i < raw.size(); ++i) out[i] = half ? half_to_float(raw[i]) : bfloat16_to_float(raw[i]);
  } else {
    read(e.begin, bytes, t.raw_data());
  }
  return t;
}

NamedTensors load_with(const Header& header, const DataReader& read) {
  NamedTensors out;
  out.reserve(header.entries.size());
  for (const Entry& e : header.entries) out.emplace_back(e.name, read_tensor(e, read));
  return out;
}

}  // namespace

Header parse_header(std::string_view text, std::uint64_t data_size, const std::string& source) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    fail(source, std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!root.is_object()) fail(source, "header is not a JSON object");
  Header header;
  header.data_size = data_size;
  for (const auto& [name, value] : root.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) fail(source, "__metadata__ is not an object");
      for (const auto& [key, v] : value.items()) {
        if (!v.is_string()) fail(source, "__metadata__ value of '" + key + "' is not a string");
        header.metadata[key] = v.get<std::string>();
      }
      continue;
    }
    header.entries.push_back(parse_entry(name, value, data_size, source));
  }
  std::sort(header.entries.begin(), header.entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  for (std::size_t i = 1; i < header.entries.size(); ++i) {
    const Entry& previous = header.entries[i - 1];
    const Entry& current = header.entries[i];
    if (current.begin < previous.end)
      fail(source, "tensors '" + previous.name + "' and '" + current.name + "' overlap in the data section");
  }
  return header;
}

NamedTensors load_from_memory(const void* data, std::size_t size, const std::string& source, Metadata* metadata) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (size < 8) fail(source, "too short for a safetensors file (" + std::to_string(size) + " bytes)");
  const std::uint64_t header_bytes = read_u64_le(bytes);
  if (header_bytes > kMaxHeaderBytes || header_bytes > size - 8)
    fail(source, "header length " + std::to_string(header_bytes) + " exceeds the " + std::to_string(size - 8) +
                     " bytes that follow it (or the 100 MiB limit): not a safetensors file, or a damaged one");
  const std::string_view text(reinterpret_cast<const char*>(bytes + 8), static_cast<std::size_t>(header_bytes));
  const std::uint64_t data_start = 8 + header_bytes;
  const Header header = parse_header(text, size - data_start, source);
  if (metadata) *metadata = header.metadata;
  return load_with(header, [&](std::uint64_t offset, std::uint64_t n, void* dst) {
    std::memcpy(dst, bytes + data_start + offset, static_cast<std::size_t>(n));
  });
}

namespace {

// The checked header of a file, its stream left at the data section.
Header read_header_of(const std::string& path, std::ifstream& in, std::uint64_t& data_start) {
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot open (" + ec.message() + ")");
  in.open(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading");
  if (file_size < 8) fail(path, "too short for a safetensors file (" + std::to_string(file_size) + " bytes)");
  unsigned char length[8];
  in.read(reinterpret_cast<char*>(length), 8);
  const std::uint64_t header_bytes = read_u64_le(length);
  if (header_bytes > kMaxHeaderBytes || header_bytes > file_size - 8)
    fail(path, "header length " + std::to_string(header_bytes) + " exceeds the " + std::to_string(file_size - 8) +
                   " bytes that follow it (or the 100 MiB limit): not a safetensors file, or a damaged one");
  std::string text(static_cast<std::size_t>(header_bytes), '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_bytes));
  if (!in) fail(path, "could not read the header");
  data_start = 8 + header_bytes;
  return parse_header(text, file_size - data_start, path);
}

}  // namespace

Metadata read_metadata(const std::string& path) {
  std::ifstream in;
  std::uint64_t data_start = 0;
  return read_header_of(path, in, data_start).metadata;
}

NamedTensors load(const std::string& path, Metadata* metadata) {
  std::ifstream in;
  std::uint64_t data_start = 0;
  const Header header = read_header_of(path, in, data_start);
  if (metadata) *metadata = header.metadata;
  return load_with(header, [&](std::uint64_t offset, std::uint64_t n, void* dst) {
    in.seekg(static_cast<std::streamoff>(data_start + offset));
    in.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
    if (!in) fail(path, "could not read " + std::to_string(n) + " bytes at offset " + std::to_string(offset));
  });
}

void save(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> host;
  std::set<std::string> seen;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    check(!name.empty() && name != "__metadata__", "safetensors::save", "invalid tensor name '", name, "'");
    check(seen.insert(name).second, "safetensors::save", "tensor name '", name, "' appears twice");
    check(t.defined(), "safetensors::save", "tensor '", name, "' is undefined");
    host.push_back(t.detach().to(Device::cpu()).contiguous());
    const std::uint64_t bytes = static_cast<std::uint64_t>(t.numel()) * element_size(t.dtype());
    header[name] = {{"dtype", file_dtype(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned

  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>((text.size() >> (8 * i)) & 0xffu);
  io::AtomicFile out(path, "safetensors::save");
  out.write(length, 8);
  out.write(text);
  for (const Tensor& t : host)
    out.write(t.raw_data(), static_cast<std::size_t>(static_cast<std::uint64_t>(t.numel()) * element_size(t.dtype())));
  out.commit(/*durable=*/true);  // weights and checkpoints must survive a crash
}

}  // namespace c2am::safetensors
