#pragma once
// The elementwise op family: one- and two-input math, activations and comparisons, each
// tensor-tensor with NumPy broadcasting. One header for the family; the definitions sit in
// core/ops/elementwise/, one source per kind, since each instantiates xtensor's expression
// machinery per dtype and a single file would take minutes to compile.
#include <cstdint>
#include <optional>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

// --- Arithmetic (core/ops/elementwise/: arithmetic.cpp tensor-tensor, scalar_arithmetic.cpp, power.cpp)
// + - * / pow and negation, tensor-tensor (NumPy broadcasting) and tensor-scalar. A scalar takes
// the tensor's dtype, as a Python number does in PyTorch.

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor neg(const Tensor& a);

Tensor add(const Tensor& a, double s);
Tensor sub(const Tensor& a, double s);
Tensor mul(const Tensor& a, double s);
Tensor div(const Tensor& a, double s);
Tensor rsub(const Tensor& a, double s);  // s - a
Tensor rdiv(const Tensor& a, double s);  // s / a
Tensor pow(const Tensor& base, double exponent);
Tensor pow(double base, const Tensor& exponent);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }

inline Tensor operator+(const Tensor& a, double s) { return add(a, s); }
inline Tensor operator+(double s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return sub(a, s); }
inline Tensor operator-(double s, const Tensor& a) { return rsub(a, s); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
inline Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return div(a, s); }
inline Tensor operator/(double s, const Tensor& a) { return rdiv(a, s); }

// --- One-input math (core/ops/elementwise/unary.cpp)
// Elementwise math functions.

Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);  // log(1 + x), exact for tiny x
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);  // |x|'(0) = 0
// Limits x to [min, max]; either bound may be absent. The gradient passes where
// min <= x <= max, bounds included, as in PyTorch.
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);

// --- Trigonometry (core/ops/elementwise/trig.cpp): plain loops over std::sin, std::cos, std::atan
// and std::atan2, the same rounding on every CPU.
//   sin' = cos,  cos' = -sin,  atan'(x) = 1 / (1 + x^2)
//   atan2(y, x)   the angle of the point (x, y), in [-pi, pi], as std::atan2 and torch.atan2;
//                 y and x broadcast;  d/dy = x / (x^2 + y^2),  d/dx = -y / (x^2 + y^2)
// atan2(y, x) = atan(y / x) for x > 0, and it stays defined where the quotient does not: pi/2 at
// x = 0 < y, and 0 at the origin. At the origin its gradient is 0 (PyTorch's is NaN), so that
// code using it for a box's aspect angle atan2(w, h) (core/ops/boxes.hpp) keeps finite gradients
// for a box of zero size.

Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor atan(const Tensor& x);
Tensor atan2(const Tensor& y, const Tensor& x);

// --- Activations (core/ops/elementwise/activation.cpp; softmax and log_softmax in softmax.cpp)
// Activation functions and the (log-)softmax.

Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor relu(const Tensor& x);  // relu'(0) = 0
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor silu(const Tensor& x);  // x * sigmoid(x)
// log(1 + exp(beta x)) / beta, and x itself where beta x > threshold, as torch.nn.Softplus.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
// Along `dim`, shifted by the max so large logits do not overflow.
Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

// --- Comparisons (core/ops/elementwise/compare.cpp); minimum/maximum, where (select.cpp)
// Comparisons (no gradient), elementwise minimum/maximum and where. xgrad has no bool dtype: a
// comparison returns 1 and 0 in its inputs' dtype, so a mask multiplies straight into a float
// tensor (x * (x > 0)) and an int64 comparison averages after .to(kFloat32).

Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double s);
Tensor ne(const Tensor& a, double s);
Tensor lt(const Tensor& a, double s);
Tensor le(const Tensor& a, double s);
Tensor gt(const Tensor& a, double s);
Tensor ge(const Tensor& a, double s);

inline Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
inline Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
inline Tensor operator<(const Tensor& a, double s) { return lt(a, s); }
inline Tensor operator<=(const Tensor& a, double s) { return le(a, s); }
inline Tensor operator>(const Tensor& a, double s) { return gt(a, s); }
inline Tensor operator>=(const Tensor& a, double s) { return ge(a, s); }

// Where a == b the gradient is split equally between them, as in PyTorch.
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);

// a where condition is nonzero, else b; the three shapes broadcast together.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);

}  // namespace xgrad
