#pragma once
// Making tensors: from values, from xt::xarray, filled, ranges and random numbers.
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

namespace detail {
Tensor tensor_1d(const std::vector<double>& values, Dtype dtype);
}

// From nested braces: tensor({{1, 2}, {3, 4}}, kFloat64). A bare number makes a 0-d tensor.
// The 1-D form is a template so that a column such as {{1.0}, {2.0}} is read as 2-D, not as a
// 1-D list of braced numbers; its elements must then share one type ({1.0, 2.5}, not {1, 2.5}).
Tensor tensor(double value, Dtype dtype = kFloat32);
template <class T>
requires std::is_arithmetic_v<T> Tensor tensor(std::initializer_list<T> values, Dtype dtype = kFloat32) {
  return detail::tensor_1d(std::vector<double>(values.begin(), values.end()), dtype);
}
Tensor tensor(xt::nested_initializer_list_t<double, 2> values, Dtype dtype = kFloat32);
Tensor tensor(xt::nested_initializer_list_t<double, 3> values, Dtype dtype = kFloat32);
Tensor tensor(xt::nested_initializer_list_t<double, 4> values, Dtype dtype = kFloat32);

// Wraps an xt::xarray (copied or moved in); the dtype follows the element type.
Tensor from_xarray(xt::xarray<float> values);
Tensor from_xarray(xt::xarray<double> values);
Tensor from_xarray(xt::xarray<std::int64_t> values);
inline Tensor tensor(xt::xarray<float> values) { return from_xarray(std::move(values)); }
inline Tensor tensor(xt::xarray<double> values) { return from_xarray(std::move(values)); }
inline Tensor tensor(xt::xarray<std::int64_t> values) { return from_xarray(std::move(values)); }

// An exact 0-d tensor: int64 for an integer (a step count, a seed, an index), float64 for a
// double. Unlike tensor(v), which makes float32 by default and goes through double, the value
// comes back bit for bit, which is what checkpoints need: scalar(global_step).
Tensor scalar(std::int64_t value);
Tensor scalar(double value);
template <std::integral T>
requires(!std::same_as<T, std::int64_t> && !std::same_as<T, bool>) Tensor scalar(T value) {
  return scalar(static_cast<std::int64_t>(value));  // an unsigned value above 2^63 wraps, as a cast does
}

Tensor zeros(const Shape& shape, Dtype dtype = kFloat32);
Tensor ones(const Shape& shape, Dtype dtype = kFloat32);
Tensor full(const Shape& shape, double value, Dtype dtype = kFloat32);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);

// [start, end) in steps of `step`, like torch.arange.
Tensor arange(double end, Dtype dtype = kFloat32);
Tensor arange(double start, double end, double step = 1.0, Dtype dtype = kFloat32);

// One global generator (a 64-bit Mersenne Twister); the same seed gives the same numbers on
// every run and every machine, since the conversions to floats are our own, not the standard
// library's implementation-defined distributions.
void manual_seed(std::uint64_t seed);
// The generator's whole state as an int64 tensor (313 words), for checkpoints: after
// set_rng_state(get_rng_state()) the same numbers come out again, as torch.get_rng_state.
Tensor get_rng_state();
void set_rng_state(const Tensor& state);
Tensor rand(const Shape& shape, Dtype dtype = kFloat32);   // uniform in [0, 1)
Tensor randn(const Shape& shape, Dtype dtype = kFloat32);  // standard normal
// Uniform integers in [low, high), int64.
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape);
// A random permutation of 0..n-1, int64 (shuffling mini-batches).
Tensor randperm(std::int64_t n);

}  // namespace xgrad
