#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad {

namespace {
// Applies a comparison to two tensors of one dtype (any of the three) and returns 1/0 in it.
template <class Cmp>
Tensor compare(const char* op, const Tensor& a, const Tensor& b, Cmp cmp) {
  if (a.dtype() != b.dtype()) fail(op, "dtype mismatch: ", a.dtype(), " and ", b.dtype());
  broadcast_shapes(op, a.shape(), b.shape());
  return std::visit(
      [&](const auto& x) {
        using A = std::decay_t<decltype(x)>;
        using T = typename A::value_type;
        return constant<T>(xt::cast<T>(cmp(x, std::get<A>(b.storage()))));
      },
      a.storage());
}

Tensor scalar_like(const Tensor& a, double s) {
  return std::visit(
      [&](const auto& x) {
        using T = typename std::decay_t<decltype(x)>::value_type;
        return Tensor(Storage(xt::xarray<T>(static_cast<T>(s))));
      },
      a.storage());
}
}  // namespace

// clang-format off
Tensor eq(const Tensor& a, const Tensor& b) { return compare("eq", a, b, [](const auto& x, const auto& y) { return xt::equal(x, y); }); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare("ne", a, b, [](const auto& x, const auto& y) { return xt::not_equal(x, y); }); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare("lt", a, b, [](const auto& x, const auto& y) { return x < y; }); }
Tensor le(const Tensor& a, const Tensor& b) { return compare("le", a, b, [](const auto& x, const auto& y) { return x <= y; }); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare("gt", a, b, [](const auto& x, const auto& y) { return x > y; }); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare("ge", a, b, [](const auto& x, const auto& y) { return x >= y; }); }
Tensor eq(const Tensor& a, double s) { return eq(a, scalar_like(a, s)); }
Tensor ne(const Tensor& a, double s) { return ne(a, scalar_like(a, s)); }
Tensor lt(const Tensor& a, double s) { return lt(a, scalar_like(a, s)); }
Tensor le(const Tensor& a, double s) { return le(a, scalar_like(a, s)); }
Tensor gt(const Tensor& a, double s) { return gt(a, scalar_like(a, s)); }
Tensor ge(const Tensor& a, double s) { return ge(a, scalar_like(a, s)); }
// clang-format on

}  // namespace xgrad
