#pragma once
// Shared by the loss tests: float64 leaves, a gradcheck assertion that prints its report, flat
// values, and EXPECT_ERROR for the messages of bad input. Only core and losses headers, so these
// tests build whatever state the rest of the tree is in.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>
#include <xgrad/core/ops/elementwise.hpp>
#include <xgrad/core/autograd.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/gradcheck.hpp>
#include <xgrad/core/ops/indexing.hpp>
#include <xgrad/core/ops/reduction.hpp>
#include <xgrad/core/ops/shape_ops.hpp>
#include <xgrad/core/tensor.hpp>
#include <xgrad/losses/reduction.hpp>

#include "expect_error.hpp"

namespace xg = xgrad;
namespace xl = xgrad::losses;
using xl::Reduction;

// A float64 leaf with requires_grad, uniform in [lo, hi).
inline xg::Tensor leaf(const xg::Shape& shape, double lo = -2.0, double hi = 2.0) {
  xg::Tensor t = xg::rand(shape, xg::kFloat64) * (hi - lo) + lo;
  return t.detach().requires_grad_();
}

inline xg::Tensor requires_grad(xg::Tensor t) { return t.detach().requires_grad_(); }

// int64 class indices from a list.
inline xg::Tensor classes(std::initializer_list<double> v) { return xg::tensor(v, xg::kInt64); }

inline void expect_gradcheck(const xg::GradcheckFn& fn, const std::vector<xg::Tensor>& inputs) {
  const xg::GradcheckResult r = xg::gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << r.report;
}

// Values of a tensor as a flat vector of doubles.
inline std::vector<double> values(const xg::Tensor& t) {
  const xg::Tensor t64 = t.dtype() == xg::kFloat64 ? t : t.to(xg::kFloat64);
  const auto& a = t64.data<double>();
  return std::vector<double>(a.begin(), a.end());
}

inline bool all_finite(const xg::Tensor& t) {
  for (double v : values(t))
    if (!std::isfinite(v)) return false;
  return true;
}
