#include "xgrad/core/anomaly.hpp"

#include <atomic>
#include <cmath>
#include <optional>
#include <sstream>

namespace xgrad {

namespace {
// Per thread, as grad mode: a guard in one thread neither turns checking on nor off in another.
thread_local bool anomaly_enabled = false;

struct BadValue {
  std::size_t index;  // flat, row-major
  double value;
};

// The first NaN or Inf in a float array; int64 never holds one.
std::optional<BadValue> first_non_finite(const Storage& s) {
  return std::visit(
      [](const auto& a) -> std::optional<BadValue> {
        using T = typename std::decay_t<decltype(a)>::value_type;
        if constexpr (std::is_floating_point_v<T>) {
          for (std::size_t i = 0; i < a.size(); ++i)
            if (!std::isfinite(a.data()[i])) return BadValue{i, static_cast<double>(a.data()[i])};
        }
        return std::nullopt;
      },
      s);
}

// "(1, 2) = nan": the element's multi-index in `shape`.
std::string describe(const BadValue& bad, const Shape& shape) {
  std::vector<std::size_t> index(shape.size());
  std::size_t rest = bad.index;
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = rest % shape[d];
    rest /= shape[d];
  }
  std::ostringstream out;
  out << to_string(Shape(index.begin(), index.end())) << " = ";
  if (std::isnan(bad.value))
    out << "nan";  // the sign of a NaN ("-nan") means nothing here
  else
    out << bad.value;
  return out.str();
}

std::string describe_inputs(const std::vector<Tensor>& inputs) {
  std::ostringstream out;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    out << (i ? ", " : "") << to_string(inputs[i].shape()) << " " << inputs[i].dtype();
  return out.str();
}

Shape shape_of(const Storage& s) {
  return std::visit([](const auto& a) { return Shape(a.shape().begin(), a.shape().end()); }, s);
}
}  // namespace

bool is_anomaly_enabled() { return anomaly_enabled; }
void set_detect_anomaly(bool enabled) { anomaly_enabled = enabled; }

namespace detail {

void check_forward(const char* op, const Storage& value, const std::vector<Tensor>& inputs) {
  const auto bad = first_non_finite(value);
  if (!bad) return;
  // With anomaly mode on, an op that turned finite inputs into NaN/Inf is caught right there, so
  // a bad input came from outside the checked graph: data, a leaf, or work done with it off.
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (const auto bad_in = first_non_finite(inputs[i].storage()))
      fail(op, "anomaly in the forward pass: input ", i, " (", to_string(inputs[i].shape()), " ", inputs[i].dtype(),
           ") already holds a non-finite value at ", describe(*bad_in, inputs[i].shape()),
           "; it was made outside anomaly mode (data, a leaf tensor, or an op run with anomaly mode off)");
  fail(op, "anomaly in the forward pass: the output, of shape ", to_string(shape_of(value)), ", has ",
       describe(*bad, shape_of(value)), " from finite inputs [", describe_inputs(inputs), "]");
}

void check_backward(const char* op, std::size_t input, const Storage& grad, const std::vector<Tensor>& inputs) {
  const auto bad = first_non_finite(grad);
  if (!bad) return;
  fail(op, "anomaly in the backward pass: the gradient for input ", input, " has ", describe(*bad, shape_of(grad)),
       "; every gradient before it was finite, so this op's backward made it (inputs [", describe_inputs(inputs), "])");
}

void check_seed(const Storage& grad) {
  if (const auto bad = first_non_finite(grad))
    fail("backward", "anomaly: the gradient passed to backward() has ", describe(*bad, shape_of(grad)));
}

}  // namespace detail

}  // namespace xgrad
