#pragma once
// Shapes and strides. Strides are counted in elements, not bytes, and may be
// zero (broadcast views made by expand()).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace c2am {

using Shape = std::vector<std::int64_t>;
using Strides = std::vector<std::int64_t>;

// Number of elements of a shape (1 for a 0-d shape).
std::int64_t numel_of(const Shape& shape);
// Row-major strides of a dense tensor of this shape.
Strides contiguous_strides(const Shape& shape);
// "[2, 3, 4]".
std::string shape_str(const Shape& shape);
// Maps a possibly negative dimension index into [0, rank); throws naming `op`.
std::int64_t wrap_dim(std::int64_t dim, std::int64_t rank, const char* op);
// NumPy broadcasting of two shapes; throws naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace c2am
