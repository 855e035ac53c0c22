#pragma once
// Shared by the core tests: float64 leaves and a gradcheck assertion that prints the report.
#include <gtest/gtest.h>

#include <xgrad/xgrad.hpp>

#include "expect_error.hpp"

namespace xg = xgrad;

// A float64 leaf with requires_grad, uniform in [lo, hi).
inline xg::Tensor leaf(const xg::Shape& shape, double lo = -2.0, double hi = 2.0) {
  xg::Tensor t = xg::rand(shape, xg::kFloat64) * (hi - lo) + lo;
  return t.detach().requires_grad_();
}

inline void expect_gradcheck(const xg::GradcheckFn& fn, const std::vector<xg::Tensor>& inputs) {
  const xg::GradcheckResult r = xg::gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << r.report;
}

// Values of a float64 tensor as a flat vector, for EXPECT_EQ against closed forms.
inline std::vector<double> values(const xg::Tensor& t) {
  const xg::Tensor t64 = t.to(xg::kFloat64);
  const auto& a = t64.data<double>();
  return std::vector<double>(a.begin(), a.end());
}
