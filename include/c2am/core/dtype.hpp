#pragma once
// Element types. CPU compute kernels exist for Float32 and Float64; the other
// types exist so that storage, files and later backends can hold them.

#include <cstddef>
#include <cstdint>
#include <string>

namespace c2am {

enum class DType : std::uint8_t { Float32, Float64, Float16, BFloat16, Int32, Int64, UInt8 };

// Size of one element in bytes.
std::size_t element_size(DType dtype);
// Lower-case name as used in messages: "float32", "int64", ...
const char* dtype_name(DType dtype);
// True for Float32 and Float64, the types with compute kernels.
bool is_compute_type(DType dtype);

// Maps a C++ type to its DType (only for the types with a native C++ spelling).
template <typename T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <> struct dtype_of<std::int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<std::uint8_t> { static constexpr DType value = DType::UInt8; };
template <typename T> inline constexpr DType dtype_of_v = dtype_of<T>::value;

}  // namespace c2am
