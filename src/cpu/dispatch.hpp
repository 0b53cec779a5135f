#pragma once
// Turns a runtime DType into a C++ element type for templated kernels.

#include <cstdint>

#include "c2am/core/dtype.hpp"
#include "c2am/core/error.hpp"

namespace c2am::cpu {

// Calls fn(T{}) with T = float or double; any other dtype is an error naming `op`.
template <typename Fn>
decltype(auto) dispatch_floating(DType dtype, const char* op, Fn&& fn) {
  switch (dtype) {
    case DType::Float32: return fn(float{});
    case DType::Float64: return fn(double{});
    default: throw Error(std::string(op) + ": dtype " + dtype_name(dtype) + " is not supported (float32 or float64)");
  }
}

// Like dispatch_floating, also for the integer types.
template <typename Fn>
decltype(auto) dispatch_numeric(DType dtype, const char* op, Fn&& fn) {
  switch (dtype) {
    case DType::Float32: return fn(float{});
    case DType::Float64: return fn(double{});
    case DType::Int32: return fn(std::int32_t{});
    case DType::Int64: return fn(std::int64_t{});
    case DType::UInt8: return fn(std::uint8_t{});
    default: throw Error(std::string(op) + ": dtype " + dtype_name(dtype) + " is not supported on the CPU yet");
  }
}

}  // namespace c2am::cpu
