#include "xgrad/core/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "xgrad/core/autograd.hpp"
#include "xgrad/core/factory.hpp"

namespace xgrad {

namespace {
// Fresh leaves with the same values, so every evaluation builds its own graph.
std::vector<Tensor> fresh(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> out;
  for (const Tensor& t : inputs) {
    Tensor c = t.detach();
    if (t.requires_grad()) c.requires_grad_();
    out.push_back(c);
  }
  return out;
}
}  // namespace

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].dtype() != kFloat64 && inputs[i].requires_grad())
      fail("gradcheck", "input ", i, " is ", inputs[i].dtype(), "; finite differences need float64 inputs");

  const Tensor out0 = [&] {
    NoGradGuard no_grad;
    return fn(fresh(inputs));
  }();
  if (out0.dtype() != kFloat64) fail("gradcheck", "fn returned ", out0.dtype(), ", expected float64");
  const std::size_t n_out = out0.numel();

  // Analytic Jacobian rows: backward of one-hot output gradients.
  std::vector<std::vector<double>> analytic(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) analytic[i].assign(n_out * inputs[i].numel(), 0.0);
  for (std::size_t r = 0; r < n_out; ++r) {
    std::vector<Tensor> xs = fresh(inputs);
    Tensor out = fn(xs);
    if (!out.requires_grad()) break;  // no input reaches the output: an all-zero Jacobian
    Tensor seed = zeros(out.shape(), kFloat64);
    seed.data<double>().data()[r] = 1.0;
    out.backward(seed);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (!xs[i].requires_grad() || !xs[i].grad().defined()) continue;
      const auto& g = xs[i].grad().data<double>();
      for (std::size_t c = 0; c < g.size(); ++c) analytic[i][r * g.size() + c] = g.data()[c];
    }
  }

  GradcheckResult result;
  result.max_abs_error.assign(inputs.size(), 0.0);
  result.max_rel_error.assign(inputs.size(), 0.0);
  std::ostringstream report;
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad()) continue;
    const std::size_t n_in = inputs[i].numel();
    for (std::size_t c = 0; c < n_in; ++c) {
      std::vector<Tensor> xs = fresh(inputs);
      double& v = xs[i].data<double>().data()[c];
      const double v0 = v;
      v = v0 + options.eps;
      const Tensor plus = fn(xs).detach();
      v = v0 - options.eps;
      const Tensor minus = fn(xs).detach();
      for (std::size_t r = 0; r < n_out; ++r) {
        const double numeric = (plus.data<double>().data()[r] - minus.data<double>().data()[r]) / (2 * options.eps);
        const double a = analytic[i][r * n_in + c];
        const double err = std::abs(a - numeric);
        result.max_abs_error[i] = std::max(result.max_abs_error[i], err);
        result.max_rel_error[i] = std::max(result.max_rel_error[i], err / std::max(std::abs(numeric), 1e-300));
        if (!(err <= options.atol + options.rtol * std::abs(numeric))) {
          if (result.ok || report.tellp() < 2000)
            report << "input " << i << " element " << c << ", output " << r << ": analytic " << a << " vs numeric "
                   << numeric << "\n";
          result.ok = false;
        }
      }
    }
    report << "input " << i << " " << to_string(inputs[i].shape()) << ": max abs error " << result.max_abs_error[i]
           << ", max rel error " << result.max_rel_error[i] << "\n";
  }
  result.report = report.str();
  return result;
}

}  // namespace xgrad
