#include "xgrad/losses/checks.hpp"

#include <cstddef>

namespace xgrad::losses::detail {

void check_float(const char* op, const char* name, const Tensor& t) {
  if (!t.defined()) fail(op, name, " is undefined");
  if (t.dtype() != kFloat32 && t.dtype() != kFloat64) fail(op, name, " must be float32 or float64, got ", t.dtype());
}

void check_pair(const char* op, const Tensor& input, const Tensor& target, const char* input_name,
                const char* target_name) {
  check_float(op, input_name, input);
  check_float(op, target_name, target);
  if (input.dtype() != target.dtype())
    fail(op, input_name, " is ", input.dtype(), " but ", target_name, " is ", target.dtype(),
         "; convert one with .to(xg::k", input.dtype() == kFloat64 ? "Float64" : "Float32", ")");
  if (input.shape() != target.shape())
    fail(op, input_name, " has shape ", to_string(input.shape()), " but ", target_name, " has shape ",
         to_string(target.shape()), "; they must be equal (xgrad does not broadcast a ", target_name, ")");
}

void check_weight(const char* op, const char* name, const Tensor& weight, const Tensor& input) {
  if (!weight.defined()) return;
  check_float(op, name, weight);
  if (weight.dtype() != input.dtype())
    fail(op, name, " is ", weight.dtype(), " but the input is ", input.dtype(), "; they must match");
  const Shape w = weight.shape(), x = input.shape();
  bool fits = w.size() <= x.size();
  for (std::size_t i = 0; fits && i < w.size(); ++i) {
    const std::size_t xi = x[x.size() - w.size() + i];
    fits = w[i] == xi || w[i] == 1;
  }
  if (!fits) fail(op, name, " of shape ", to_string(w), " does not broadcast to the input's shape ", to_string(x));
}

void check_unit_interval(const char* op, const char* name, const Tensor& t, const char* hint) {
  std::visit(
      [&](const auto& a) {
        for (std::size_t i = 0; i < a.size(); ++i) {
          const auto v = a.data()[i];
          if (!(v >= 0 && v <= 1))  // NaN fails too
            fail(op, name, " must lie in [0, 1], but ", name, "[", i, "] (flat index) is ", v, hint);
        }
      },
      t.storage());
}

}  // namespace xgrad::losses::detail
