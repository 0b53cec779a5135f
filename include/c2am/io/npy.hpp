#pragma once
// NumPy .npy files (format version 1.0) of float32 arrays: the maps the
// command line writes are read directly by numpy.load.

#include <cstdint>
#include <string>
#include <vector>

#include "c2am/core/shape.hpp"

namespace c2am {

// Writes a C-ordered little-endian float32 array atomically.
void write_npy(const std::string& path, const std::vector<float>& values, const Shape& shape);
// Reads a float32 (or float64, converted) C-ordered array; errors name the file.
std::vector<float> read_npy(const std::string& path, Shape& shape);
// The same, keeping float64 arrays exact (float32 ones are widened).
std::vector<double> read_npy_f64(const std::string& path, Shape& shape);

}  // namespace c2am
