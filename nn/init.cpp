#include "xgrad/nn/init.hpp"

#include <cmath>

#include "xgrad/core/factory.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad::nn::init {

namespace {
// Overwrites t's values with `values` (float64, same shape), converted to t's dtype.
Tensor assign(const char* op, Tensor t, const Tensor& values) {
  if (!t.defined()) fail(op, "the tensor is undefined");
  visit_float(op, t, [&]<class T>(const xt::xarray<T>&) {
    t.data<T>() = xt::cast<T>(values.data<double>());
    return 0;
  });
  return t;
}

std::size_t fan(const char* op, const Tensor& t, FanMode mode) {
  const auto [in, out] = calculate_fan_in_and_fan_out(t);
  const std::size_t f = mode == FanMode::FanIn ? in : out;
  if (f == 0) fail(op, "the tensor of shape ", to_string(t.shape()), " has a fan of 0");
  return f;
}
}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Conv2d:
    case Nonlinearity::Sigmoid: return 1.0;
    case Nonlinearity::Tanh: return 5.0 / 3.0;
    case Nonlinearity::ReLU: return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU: return std::sqrt(2.0 / (1.0 + param * param));
    case Nonlinearity::SELU: return 3.0 / 4.0;
  }
  fail("calculate_gain", "unknown nonlinearity");
}

std::pair<std::size_t, std::size_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  if (!t.defined()) fail("calculate_fan_in_and_fan_out", "the tensor is undefined");
  const Shape s = t.shape();
  if (s.size() < 2)
    fail("calculate_fan_in_and_fan_out", "fans need a tensor of at least 2 dims, got shape ", to_string(s));
  std::size_t receptive = 1;
  for (std::size_t i = 2; i < s.size(); ++i) receptive *= s[i];
  return {s[1] * receptive, s[0] * receptive};
}

Tensor uniform_(Tensor t, double low, double high, Generator* generator) {
  if (!t.defined()) fail("uniform_", "the tensor is undefined");
  Generator& g = generator ? *generator : default_generator();
  return assign("uniform_", t, rand(t.shape(), g, kFloat64) * (high - low) + low);
}

Tensor normal_(Tensor t, double mean, double std, Generator* generator) {
  if (!t.defined()) fail("normal_", "the tensor is undefined");
  if (std < 0) fail("normal_", "std must be non-negative, got ", std);
  Generator& g = generator ? *generator : default_generator();
  return assign("normal_", t, randn(t.shape(), g, kFloat64) * std + mean);
}

Tensor constant_(Tensor t, double value) {
  if (!t.defined()) fail("constant_", "the tensor is undefined");
  return assign("constant_", t, full(t.shape(), value, kFloat64));
}
Tensor zeros_(Tensor t) { return constant_(t, 0.0); }
Tensor ones_(Tensor t) { return constant_(t, 1.0); }

Tensor xavier_uniform_(Tensor t, double gain, Generator* generator) {
  const auto [in, out] = calculate_fan_in_and_fan_out(t);
  const double a = gain * std::sqrt(6.0 / double(in + out));
  return uniform_(t, -a, a, generator);
}

Tensor xavier_normal_(Tensor t, double gain, Generator* generator) {
  const auto [in, out] = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0.0, gain * std::sqrt(2.0 / double(in + out)), generator);
}

Tensor kaiming_uniform_(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity, Generator* generator) {
  const double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / double(fan("kaiming_uniform_", t, mode)));
  return uniform_(t, -bound, bound, generator);
}

Tensor kaiming_normal_(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity, Generator* generator) {
  return normal_(t, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(double(fan("kaiming_normal_", t, mode))),
                 generator);
}

}  // namespace xgrad::nn::init
