#include "xgrad/core/shape.hpp"

#include <algorithm>

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

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Align from the right, treating missing leading dims as 1.
    const std::size_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::size_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      fail(op, ": shapes ", to_string(a), " and ", to_string(b), " cannot be broadcast (dim ", i, ": ", da, " vs ", db,
           ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::size_t normalize_dim(const char* op, std::int64_t dim, std::size_t ndim) {
  const auto n = static_cast<std::int64_t>(ndim);
  if (dim < -n || dim >= n)
    fail(op, ": dim ", dim, " is out of range for a tensor with ", ndim, " dimension", ndim == 1 ? "" : "s",
         " (valid: ", -n, " to ", n - 1, ")");
  return static_cast<std::size_t>(dim < 0 ? dim + n : dim);
}

}  // namespace xgrad
