#include "xgrad/core/factory.hpp"

#include <cmath>
#include <initializer_list>
#include <new>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xtensor.hpp>

namespace xgrad {

namespace {
Tensor from_double(xt::xarray<double>&& a, Dtype dtype) {
  switch (dtype) {
    case kFloat32: return Tensor(Storage(xt::xarray<float>(xt::cast<float>(a))));
    case kFloat64: return Tensor(Storage(std::move(a)));
    case kInt64: return Tensor(Storage(xt::xarray<std::int64_t>(xt::cast<std::int64_t>(a))));
  }
  fail("tensor", "unknown dtype");
}

std::size_t element_size(Dtype dtype) { return dtype == kFloat32 ? 4 : 8; }

// Every factory whose size a user gives: checks that `shape` of `dtype` is indexable and fits in
// memory (checked_bytes) before `make` allocates, and turns a std::bad_alloc from a size that
// passed (a memory limit, other allocations) into an Error naming the op and the size.
template <class F>
Tensor sized(const char* op, const Shape& shape, Dtype dtype, F&& make) {
  const std::size_t bytes = checked_bytes(op, shape, element_size(dtype));
  try {
    return make();
  } catch (const std::bad_alloc&) {
    fail(op, "out of memory: cannot allocate ", bytes, " bytes for a ", dtype, " tensor of shape ", to_string(shape));
  }
}

template <class T>
Tensor filled(const Shape& shape, double value) {
  xt::xarray<T> a = xt::empty<T>(shape);
  a.fill(static_cast<T>(value));
  return Tensor(Storage(std::move(a)));
}

// --- nested braces -------------------------------------------------------------------------
// xt::xarray's own nested-list constructor takes the shape from the first list at each level and
// copies blindly: a longer later list writes past the buffer, a shorter one leaves garbage. So
// the shape is taken the same way, every list is checked against it, and only then copied.

template <class L>
constexpr std::size_t nesting_depth = 0;
template <class L>
constexpr std::size_t nesting_depth<std::initializer_list<L>> = 1 + nesting_depth<L>;

void first_shape(double, Shape&) {}
template <class L>
void first_shape(std::initializer_list<L> list, Shape& shape) {
  shape.push_back(list.size());
  if (list.size() > 0) first_shape(*list.begin(), shape);
}

// "[1][0]": where a list sits in the nesting.
std::string list_path(const std::vector<std::size_t>& path) {
  std::string s;
  for (std::size_t i : path) s += "[" + std::to_string(i) + "]";
  return s;
}

void check_nested(double, const Shape&, std::vector<std::size_t>&) {}
template <class L>
void check_nested(std::initializer_list<L> list, const Shape& shape, std::vector<std::size_t>& path) {
  const std::size_t level = path.size();
  if (list.size() != shape[level])
    fail("tensor", "ragged nested list: at nesting level ", level, ", the list at ", list_path(path), " has ",
         list.size(), " element", list.size() == 1 ? "" : "s", " but the list at ",
         list_path(std::vector<std::size_t>(level, 0)), " has ", shape[level],
         "; every list at one level must have the same length");
  std::size_t i = 0;
  for (const L& item : list) {
    path.push_back(i++);
    check_nested(item, shape, path);
    path.pop_back();
  }
}

void copy_nested(double v, double*& out) { *out++ = v; }
template <class L>
void copy_nested(std::initializer_list<L> list, double*& out) {
  for (const L& item : list) copy_nested(item, out);
}

template <class L>
Tensor from_nested(std::initializer_list<L> list, Dtype dtype) {
  Shape shape;
  first_shape(list, shape);
  shape.resize(1 + nesting_depth<L>, 0);  // below an empty list, sizes 0
  std::vector<std::size_t> path;
  check_nested(list, shape, path);
  return sized("tensor", shape, dtype, [&] {
    xt::xarray<double> a = xt::empty<double>(shape);
    double* out = a.data();
    copy_nested(list, out);
    return from_double(std::move(a), dtype);
  });
}

std::mt19937_64& generator() {
  static std::mt19937_64 gen(67280421310721ULL);  // PyTorch's default seed, for no reason but habit
  return gen;
}

// 53 random bits scaled into [0, 1): exact and identical everywhere.
double uniform01() { return static_cast<double>(generator()() >> 11) * 0x1.0p-53; }
}  // namespace

Tensor scalar(std::int64_t value) { return from_xarray(xt::xarray<std::int64_t>(value)); }
Tensor scalar(double value) { return from_xarray(xt::xarray<double>(value)); }

Tensor tensor(double value, Dtype dtype) { return from_double(xt::xarray<double>(value), dtype); }
Tensor detail::tensor_1d(const std::vector<double>& values, Dtype dtype) {
  xt::xarray<double> a = xt::empty<double>(Shape{values.size()});
  std::copy(values.begin(), values.end(), a.begin());
  return from_double(std::move(a), dtype);
}
Tensor tensor(xt::nested_initializer_list_t<double, 2> v, Dtype dtype) { return from_nested(v, dtype); }
Tensor tensor(xt::nested_initializer_list_t<double, 3> v, Dtype dtype) { return from_nested(v, dtype); }
Tensor tensor(xt::nested_initializer_list_t<double, 4> v, Dtype dtype) { return from_nested(v, dtype); }

Tensor from_xarray(xt::xarray<float> values) { return Tensor(Storage(std::move(values))); }
Tensor from_xarray(xt::xarray<double> values) { return Tensor(Storage(std::move(values))); }
Tensor from_xarray(xt::xarray<std::int64_t> values) { return Tensor(Storage(std::move(values))); }

namespace {
Tensor full_as(const char* op, const Shape& shape, double value, Dtype dtype) {
  return sized(op, shape, dtype, [&] {
    switch (dtype) {
      case kFloat32: return filled<float>(shape, value);
      case kFloat64: return filled<double>(shape, value);
      case kInt64: return filled<std::int64_t>(shape, value);
    }
    fail(op, "unknown dtype");
  });
}
}  // namespace

Tensor full(const Shape& shape, double value, Dtype dtype) { return full_as("full", shape, value, dtype); }
Tensor zeros(const Shape& shape, Dtype dtype) { return full_as("zeros", shape, 0.0, dtype); }
Tensor ones(const Shape& shape, Dtype dtype) { return full_as("ones", shape, 1.0, dtype); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }

Tensor arange(double end, Dtype dtype) { return arange(0.0, end, 1.0, dtype); }
Tensor arange(double start, double end, double step, Dtype dtype) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step))
    fail("arange", "invalid range start=", start, " end=", end, " step=", step);
  const double n = std::ceil((end - start) / step);
  if (n < 0) fail("arange", "step ", step, " does not lead from ", start, " to ", end);
  // Past 2^53 a double no longer counts every element (and the conversion below would be
  // undefined past 2^64); checked_bytes then refuses what does not fit in memory.
  if (!(n <= 0x1p53))
    fail("arange", "[", start, ", ", end, ") in steps of ", step, " holds ", n,
         " elements, more than a tensor can (at most 2^53 here, and no more than fit in memory)");
  const Shape shape{static_cast<std::size_t>(n)};
  return sized("arange", shape, dtype, [&] {
    xt::xarray<double> a = xt::empty<double>(shape);
    for (std::size_t i = 0; i < a.size(); ++i) a(i) = start + static_cast<double>(i) * step;
    return from_double(std::move(a), dtype);
  });
}

void manual_seed(std::uint64_t seed) { generator().seed(seed); }

// The standard's text form of a Mersenne Twister (its state words, then its position) is
// portable across implementations; the words are kept bit for bit in int64.
Tensor get_rng_state() {
  std::stringstream text;
  text << generator();
  std::vector<std::int64_t> words;
  for (std::uint64_t w; text >> w;) words.push_back(static_cast<std::int64_t>(w));
  xt::xarray<std::int64_t> a = xt::empty<std::int64_t>(Shape{words.size()});
  std::copy(words.begin(), words.end(), a.begin());
  return Tensor(Storage(std::move(a)));
}

void set_rng_state(const Tensor& state) {
  constexpr std::size_t expected = std::mt19937_64::state_size + 1;
  if (state.dtype() != kInt64 || state.dim() != 1 || state.numel() != expected)
    fail("set_rng_state", "expected an int64 tensor of shape (", expected, "), got ", state.dtype(), " ",
         ShapeText{state.shape()});
  std::stringstream text;
  for (std::int64_t w : state.data<std::int64_t>()) text << static_cast<std::uint64_t>(w) << ' ';
  std::mt19937_64 restored;
  text >> restored;
  if (!text) fail("set_rng_state", "the state words do not form a valid generator state");
  generator() = restored;
}

Tensor rand(const Shape& shape, Dtype dtype) {
  return sized("rand", shape, dtype, [&] {
    xt::xarray<double> a = xt::empty<double>(shape);
    for (auto& v : a) v = uniform01();
    return from_double(std::move(a), dtype);
  });
}

Tensor randn(const Shape& shape, Dtype dtype) {
  return sized("randn", shape, dtype, [&] {
    xt::xarray<double> a = xt::empty<double>(shape);
    // Box-Muller, two normals per pair of uniforms; 1 - u keeps the log's argument in (0, 1].
    for (std::size_t i = 0; i < a.size(); i += 2) {
      const double r = std::sqrt(-2.0 * std::log(1.0 - uniform01()));
      const double theta = 2.0 * std::numbers::pi * uniform01();
      a.data()[i] = r * std::cos(theta);
      if (i + 1 < a.size()) a.data()[i + 1] = r * std::sin(theta);
    }
    return from_double(std::move(a), dtype);
  });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape) {
  if (high <= low) fail("randint", "empty range [", low, ", ", high, ")");
  // In unsigned arithmetic, which wraps where high - low and low + draw would overflow int64
  // (the whole range [INT64_MIN, INT64_MAX) spans 2^64 - 1); the same numbers where they do not.
  const std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  return sized("randint", shape, kInt64, [&] {
    xt::xarray<std::int64_t> a = xt::empty<std::int64_t>(shape);
    for (auto& v : a) v = static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + generator()() % span);
    return from_xarray(std::move(a));
  });
}

Tensor randperm(std::int64_t n) {
  if (n < 0) fail("randperm", "n must be non-negative, got ", n);
  return sized("randperm", Shape{static_cast<std::size_t>(n)}, kInt64, [&] {
    xt::xarray<std::int64_t> a = xt::arange<std::int64_t>(n);
    // Fisher-Yates with our own index draws, so the order is the same on every platform.
    for (std::int64_t i = n - 1; i > 0; --i)
      std::swap(a(i), a(static_cast<std::int64_t>(generator()() % static_cast<std::uint64_t>(i + 1))));
    return from_xarray(std::move(a));
  });
}

}  // namespace xgrad
