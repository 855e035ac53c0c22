#pragma once
#include <cstdint>
#include <ostream>

namespace xgrad {

// float32 is the default (training); float64 is what gradcheck and reference tests use. int64
// holds class indices, argmax results and gather indices; it never carries gradients.
enum class Dtype : std::uint8_t { Float32, Float64, Int64 };

inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;

constexpr const char* dtype_name(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
    case Dtype::Int64: return "int64";
  }
  return "?";
}

inline std::ostream& operator<<(std::ostream& os, Dtype d) { return os << dtype_name(d); }

template <class T>
constexpr Dtype dtype_of();
template <>
constexpr Dtype dtype_of<float>() {
  return kFloat32;
}
template <>
constexpr Dtype dtype_of<double>() {
  return kFloat64;
}
template <>
constexpr Dtype dtype_of<std::int64_t>() {
  return kInt64;
}

}  // namespace xgrad
