#include "c2am/io/npy.hpp"

#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <type_traits>

#include "c2am/core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/finite_check.hpp"

namespace c2am {

void write_npy(const std::string& path, const std::vector<float>& values, const Shape& shape) {
  check(numel_of(shape) == static_cast<std::int64_t>(values.size()), "write_npy", path, ": shape ", shape_str(shape),
        " does not match ", values.size(), " values");
  std::string dims;
  for (std::size_t i = 0; i < shape.size(); ++i) dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  const std::uint16_t length = static_cast<std::uint16_t>(header.size());
  const char length_bytes[2] = {static_cast<char>(length & 0xff), static_cast<char>(length >> 8)};
  io::AtomicFile out(path, "write_npy");
  out.write(magic, 8);
  out.write(length_bytes, 2);
  out.write(header);
  out.write(values.data(), values.size() * sizeof(float));
  out.commit();
}

namespace {

// The header dictionary of a .npy file: {'descr': '<f4', 'fortran_order':
// False, 'shape': (3, 4), } — parsed by hand (bounded work, no regex), each
// number checked for overflow.
struct NpyHeader {
  bool f64 = false;
  Shape shape;
};

[[noreturn]] void bad_npy(const std::string& path, const std::string& problem) {
  throw Error("read_npy: " + path + ": " + problem);
}

// The text after `'key':` (spaces skipped), or npos.
std::size_t value_of(const std::string& header, const std::string& key) {
  const std::size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) return at;
  std::size_t p = header.find_first_not_of(' ', at + key.size() + 2);
  if (p == std::string::npos || header[p] != ':') return std::string::npos;
  p = header.find_first_not_of(' ', p + 1);
  return p;
}

NpyHeader parse_header(const std::string& header, const std::string& path) {
  NpyHeader h;
  const std::size_t descr = value_of(header, "descr");
  if (descr == std::string::npos) bad_npy(path, "the header has no 'descr'");
  const std::string type = header.substr(descr, 5);
  if (type == "'<f4'") h.f64 = false;
  else if (type == "'<f8'") h.f64 = true;
  else {
    // The quoted type as written ('<i4', '<f2', ...), never a cut-off slice of the header.
    const std::size_t close = header.find(header[descr], descr + 1);
    const std::string written = close == std::string::npos || close - descr > 24 ? header.substr(descr, 12) + "..."
                                                                                  : header.substr(descr, close - descr + 1);
    bad_npy(path, "holds " + written + " values; only little-endian float32 ('<f4') and float64 ('<f8') arrays are read");
  }
  const std::size_t order = value_of(header, "fortran_order");
  if (order == std::string::npos || header.compare(order, 5, "False") != 0)
    bad_npy(path, "Fortran order is not supported (or the header has no 'fortran_order')");
  std::size_t p = value_of(header, "shape");
  if (p == std::string::npos || header[p] != '(') bad_npy(path, "the header has no 'shape'");
  ++p;
  while (p < header.size() && header[p] != ')') {
    if (header[p] == ' ' || header[p] == ',') {
      ++p;
      continue;
    }
    std::int64_t dim = 0;
    const auto [end, ec] = std::from_chars(header.data() + p, header.data() + header.size(), dim);
    if (ec == std::errc::result_out_of_range) bad_npy(path, "a dimension of the shape is too large");
    if (ec != std::errc() || dim < 0) bad_npy(path, "the shape is not a tuple of non-negative integers");
    h.shape.push_back(dim);
    if (h.shape.size() > 32) bad_npy(path, "more than 32 dimensions");
    p = static_cast<std::size_t>(end - header.data());
  }
  if (p >= header.size()) bad_npy(path, "the shape tuple is not closed");
  return h;
}

// Reads a .npy (format 1.0, 2.0 or 3.0) of little-endian float32 or float64
// into T (float64 into float32 rounds; float32 into float64 is exact).
// Refuses NaN and infinity, naming the file.
template <typename T>
std::vector<T> read_npy_as(const std::string& path, Shape& shape) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("read_npy: cannot open " + path);
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0 || magic[6] < 1 || magic[6] > 3)
    bad_npy(path, "not a .npy file (format 1.0, 2.0 or 3.0)");
  // Version 1 stores the header length in 2 bytes, versions 2 and 3 in 4.
  const int length_bytes = magic[6] == 1 ? 2 : 4;
  unsigned char length_field[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(length_field), length_bytes);
  std::size_t length = 0;
  for (int i = length_bytes - 1; i >= 0; --i) length = length * 256 + length_field[i];
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  const std::size_t prefix = 6 + 2 + static_cast<std::size_t>(length_bytes);
  if (!in || ec || length > file_size - std::min<std::uintmax_t>(file_size, prefix))
    bad_npy(path, "the header is cut short");
  std::string header(length, '\0');
  in.read(header.data(), static_cast<std::streamsize>(length));
  const NpyHeader h = parse_header(header, path);
  shape = h.shape;
  // The element count, checked against the file before anything is allocated.
  const std::size_t item = h.f64 ? 8 : 4;
  const std::uintmax_t data_bytes = file_size - prefix - length;
  std::uintmax_t count = 1;
  for (std::int64_t d : shape) {
    if (d != 0 && count > data_bytes / item / static_cast<std::uintmax_t>(d))
      bad_npy(path, "is shorter than its shape " + shape_str(shape));
    count *= static_cast<std::uintmax_t>(d);
  }
  if (count * item > data_bytes) bad_npy(path, "is shorter than its shape " + shape_str(shape));
  std::vector<T> values(static_cast<std::size_t>(count));
  const auto read_into = [&](auto tag) {
    using Stored = decltype(tag);
    if constexpr (std::is_same_v<Stored, T>) {
      in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * sizeof(T)));
    } else {
      std::vector<Stored> raw(static_cast<std::size_t>(count));
      in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(count * sizeof(Stored)));
      for (std::size_t i = 0; i < raw.size(); ++i) values[i] = static_cast<T>(raw[i]);
    }
  };
  if (h.f64) {
    read_into(double{});
  } else {
    read_into(float{});
  }
  if (!in) bad_npy(path, "read failed");
  io::require_finite(values.data(), values.size(), "read_npy: " + path);
  return values;
}

}  // namespace

std::vector<float> read_npy(const std::string& path, Shape& shape) { return read_npy_as<float>(path, shape); }
std::vector<double> read_npy_f64(const std::string& path, Shape& shape) { return read_npy_as<double>(path, shape); }

}  // namespace c2am
