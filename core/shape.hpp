#pragma once
// Shapes, dimension indices and NumPy broadcasting, in one place.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace xgrad {

using Shape = std::vector<std::size_t>;

// Prints (3, 1, 4); a 0-d shape prints ().
std::string to_string(const Shape& shape);

struct ShapeText {
  const Shape& shape;
};
inline std::ostream& operator<<(std::ostream& os, ShapeText s) { return os << to_string(s.shape); }

std::size_t numel(const Shape& shape);

// The NumPy broadcast of two shapes; throws naming `op` and both shapes when they do not fit.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

// Maps a possibly negative dim into [0, ndim); throws naming `op` when it is out of range.
std::size_t normalize_dim(const char* op, std::int64_t dim, std::size_t ndim);

}  // namespace xgrad
