#pragma once
// GoogleTest helpers for testing an op or a loss: float64 leaves, flat values, and gradcheck
// expectations that print gradcheck's report when they fail. For a user's test code (and xgrad's
// own tests): it includes <gtest/gtest.h>, so only a program that links GoogleTest includes it;
// <xgrad/xgrad.hpp> does not. docs/extending.md, "In your own project", shows it in use.
//
//   #include <xgrad/testing.hpp>
//   using xgrad::testing::leaf;
//   TEST(MyLoss, Gradcheck) {
//     EXPECT_GRADCHECK([](const auto& in) { return my::my_loss(in[0], in[1]); }, {leaf({4, 3}), leaf({4, 3})});
//   }
#include <gtest/gtest.h>

#include <vector>

#include "xgrad/core/factory.hpp"
#include "xgrad/core/gradcheck.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/shape.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::testing {

// A float64 leaf with requires_grad, uniform in [lo, hi) (from the global generator: seed it
// with manual_seed for the same leaves every run).
inline Tensor leaf(const Shape& shape, double lo = -2.0, double hi = 2.0) {
  Tensor t = rand(shape, kFloat64) * (hi - lo) + lo;
  return t.detach().requires_grad_();
}

// The values of a float tensor as a flat vector of doubles, for EXPECT_EQ against closed forms.
inline std::vector<double> values(const Tensor& t) {
  const Tensor t64 = t.dtype() == kFloat64 ? t : t.to(kFloat64);
  const auto& a = t64.data<double>();
  return std::vector<double>(a.begin(), a.end());
}

// gradcheck as a GoogleTest assertion: success, or a failure carrying gradcheck's report (the
// worst absolute and relative error of every input).
inline ::testing::AssertionResult gradcheck_passes(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                                                   const GradcheckOptions& options = {}) {
  const GradcheckResult r = gradcheck(fn, inputs, options);
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "gradcheck failed:\n" << r.report;
}

// The function form, for helpers that check many cases (the failure names the helper's line).
inline void expect_gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                             const GradcheckOptions& options = {}) {
  EXPECT_TRUE(gradcheck_passes(fn, inputs, options));
}

}  // namespace xgrad::testing

// EXPECT_GRADCHECK(fn, inputs[, options]) and ASSERT_GRADCHECK: the failure names the caller's
// line. Variadic, since a lambda's captures and a braced list of inputs hold commas.
#define EXPECT_GRADCHECK(...) EXPECT_TRUE(::xgrad::testing::gradcheck_passes(__VA_ARGS__))
#define ASSERT_GRADCHECK(...) ASSERT_TRUE(::xgrad::testing::gradcheck_passes(__VA_ARGS__))
