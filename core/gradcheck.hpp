#pragma once
// Checks an op's backward against central finite differences, in float64, like
// torch.autograd.gradcheck: the full Jacobian of fn at `inputs`, numerically (two evaluations
// per input element) and analytically (one backward per output element).
#include <functional>
#include <string>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

struct GradcheckOptions {
  double atol = 1e-5;  // pass when |analytic - numeric| <= atol + rtol |numeric|
  double rtol = 1e-3;
  double eps = 1e-6;  // finite-difference step
};

struct GradcheckResult {
  bool ok = true;
  std::vector<double> max_abs_error;  // per input; 0 for inputs that do not require grad
  std::vector<double> max_rel_error;
  std::string report;  // one line per input, for a failing test's message
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Inputs must be float64; only those with requires_grad are checked.
GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace xgrad
