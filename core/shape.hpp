#pragma once
// Shapes, dimension indices and NumPy broadcasting, in one place.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace xgrad {

// A tensor's sizes, one per dim: a std::vector<std::size_t> of its own type, so that
// `std::cout << t.shape()` finds the operator<< below (printing "(3, 1, 4)") from any namespace.
struct Shape : std::vector<std::size_t> {
  using std::vector<std::size_t>::vector;
  Shape() = default;
  Shape(const std::vector<std::size_t>& v) : std::vector<std::size_t>(v) {}
  Shape(std::vector<std::size_t>&& v) : std::vector<std::size_t>(std::move(v)) {}
};

// Prints (3, 1, 4); a 0-d shape prints ().
std::string to_string(const Shape& shape);
inline std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << to_string(s); }

struct ShapeText {
  const Shape& shape;
};
inline std::ostream& operator<<(std::ostream& os, ShapeText s) { return os << to_string(s.shape); }

std::size_t numel(const Shape& shape);

// --- checked sizes: every allocation a user's input can size goes through these --------------
//
// A shape is indexable when the product of its sizes, zero sizes aside, is at most 2^63 - 1:
// xtensor computes a shape's strides (the products of its trailing sizes) in signed 64-bit
// arithmetic even when another size is 0, so (0, 2^32, 2^32, 2^32) is refused too.

// The element count of `shape`, or nothing when the shape is not indexable.
std::optional<std::size_t> try_numel(const Shape& shape);
// The element count of `shape`; throws an Error naming `op` and the shape when it is not indexable.
std::size_t checked_numel(const char* op, const Shape& shape);
// checked_numel(op, shape) * element_size, throwing an Error naming `op`, the shape and the byte
// count when the product overflows or exceeds max_tensor_bytes(): a size no machine here holds
// is a clear error before any allocation, not a std::bad_alloc (or an OOM kill while filling).
std::size_t checked_bytes(const char* op, const Shape& shape, std::size_t element_size);
// The largest tensor checked_bytes allows: this machine's physical memory (2^40 bytes where it
// cannot be read).
std::size_t max_tensor_bytes();

// The NumPy broadcast of two shapes; throws naming `op` and both shapes when they do not fit.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

// Maps a possibly negative dim into [0, ndim); throws naming `op` when it is out of range.
std::size_t normalize_dim(const char* op, std::int64_t dim, std::size_t ndim);

}  // namespace xgrad

// xt::adapt(data, shape) rebinds the shape's container to hold strides: a Shape's are a vector.
namespace xt {
template <class X, class C>
struct rebind_container;
template <class X>
struct rebind_container<X, xgrad::Shape> {
  using type = std::vector<X>;
};
}  // namespace xt
