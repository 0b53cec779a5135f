#include "c2am/io/npy.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <type_traits>

#include "c2am/core/error.hpp"
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
  std::random_device entropy;
  const std::string temporary = path + ".tmp-" + std::to_string(entropy());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
    const std::uint16_t length = static_cast<std::uint16_t>(header.size());
    out.write(magic, 8);
    out.put(static_cast<char>(length & 0xff)).put(static_cast<char>(length >> 8));
    out << header;
    out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
    if (!out) {
      std::filesystem::remove(temporary);
      throw Error("write_npy: cannot write " + path);
    }
  }
  std::filesystem::rename(temporary, path);
}

namespace {

// Reads a version 1 .npy of little-endian float32 or float64 into T (float64
// into float32 rounds; float32 into float64 is exact).
template <typename T>
std::vector<T> read_npy_as(const std::string& path, Shape& shape) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("read_npy: cannot open " + path);
  char magic[10];
  in.read(magic, 10);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0 || magic[6] != 1) throw Error("read_npy: " + path + " is not a version 1 .npy file");
  const std::size_t length = static_cast<unsigned char>(magic[8]) | (static_cast<unsigned char>(magic[9]) << 8);
  std::string header(length, '\0');
  in.read(header.data(), static_cast<std::streamsize>(length));
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr': *'([<|]f[48])'")))
    throw Error("read_npy: " + path + ": only little-endian float32/float64 arrays are read");
  const bool f64 = m[1].str().back() == '8';
  if (header.find("'fortran_order': False") == std::string::npos) throw Error("read_npy: " + path + ": Fortran order is not supported");
  if (!std::regex_search(header, m, std::regex("'shape': *\\(([0-9, ]*)\\)"))) throw Error("read_npy: " + path + ": no shape");
  shape.clear();
  const std::string dims = m[1].str();
  const std::regex number("[0-9]+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) shape.push_back(std::stoll(it->str()));
  const auto count = static_cast<std::size_t>(numel_of(shape));
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  if (ec || file_size < 10 + length + count * (f64 ? 8 : 4)) throw Error("read_npy: " + path + " is shorter than its shape " + shape_str(shape));
  std::vector<T> values(count);
  const auto read_into = [&](auto tag) {
    using Stored = decltype(tag);
    if constexpr (std::is_same_v<Stored, T>) {
      in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * sizeof(T)));
    } else {
      std::vector<Stored> raw(count);
      in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(count * sizeof(Stored)));
      for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<T>(raw[i]);
    }
  };
  if (f64) {
    read_into(double{});
  } else {
    read_into(float{});
  }
  if (!in) throw Error("read_npy: " + path + ": read failed");
  io::require_finite(values.data(), values.size(), "read_npy: " + path);
  return values;
}

}  // namespace

std::vector<float> read_npy(const std::string& path, Shape& shape) { return read_npy_as<float>(path, shape); }
std::vector<double> read_npy_f64(const std::string& path, Shape& shape) { return read_npy_as<double>(path, shape); }

}  // namespace c2am
