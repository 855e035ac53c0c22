#include "xgrad/core/shape.hpp"

#include <unistd.h>

#include <algorithm>
#include <limits>

#include "xgrad/core/error.hpp"

namespace xgrad {

std::string to_string(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + ")";
}

std::size_t numel(const Shape& shape) {
  std::size_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::optional<std::size_t> try_numel(const Shape& shape) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());
  std::size_t product = 1;  // of the non-zero sizes, which xtensor's strides multiply
  bool empty = false;
  for (const std::size_t d : shape) {
    if (d == 0) {
      empty = true;
      continue;
    }
    if (__builtin_mul_overflow(product, d, &product) || product > kMax) return std::nullopt;
  }
  return empty ? 0 : product;
}

std::size_t checked_numel(const char* op, const Shape& shape) {
  const std::optional<std::size_t> n = try_numel(shape);
  if (!n)
    fail(op, "shape ", to_string(shape), " has too many elements: its sizes",
         std::count(shape.begin(), shape.end(), 0) ? " (zeros aside)" : "",
         " multiply past 2^63 - 1, the most a tensor can index");
  return *n;
}

std::size_t checked_bytes(const char* op, const Shape& shape, std::size_t element_size) {
  const std::size_t n = checked_numel(op, shape);
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(n, element_size, &bytes))
    fail(op, "shape ", to_string(shape), " of ", element_size, "-byte elements needs more than 2^64 bytes");
  if (bytes > max_tensor_bytes())
    fail(op, "shape ", to_string(shape), " of ", element_size, "-byte elements needs ", bytes, " bytes, more than the ",
         max_tensor_bytes(), " bytes of memory this machine has");
  return bytes;
}

std::size_t max_tensor_bytes() {
  static const std::size_t limit = [] {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    std::size_t bytes = 0;
    if (pages <= 0 || page <= 0 || __builtin_mul_overflow(std::size_t(pages), std::size_t(page), &bytes))
      return std::size_t(1) << 40;
    return bytes;
  }();
  return limit;
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Align from the right, treating missing leading dims as 1.
    const std::size_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::size_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      fail(op, "shapes ", to_string(a), " and ", to_string(b), " cannot be broadcast (dim ", i, ": ", da, " vs ", db,
           ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::size_t normalize_dim(const char* op, std::int64_t dim, std::size_t ndim) {
  const auto n = static_cast<std::int64_t>(ndim);
  if (dim < -n || dim >= n)
    fail(op, "dim ", dim, " is out of range for a tensor with ", ndim, " dimension", ndim == 1 ? "" : "s",
         " (valid: ", -n, " to ", n - 1, ")");
  return static_cast<std::size_t>(dim < 0 ? dim + n : dim);
}

}  // namespace xgrad
