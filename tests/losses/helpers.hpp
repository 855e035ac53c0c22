#pragma once
// Shared by the loss tests: <xgrad/testing.hpp> (float64 leaves, gradcheck expectations that
// print their report, flat values), and EXPECT_ERROR for the messages of bad input. Only core and
// losses headers, so these tests build whatever state the rest of the tree is in.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>
#include <xgrad/core/autograd.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/gradcheck.hpp>
#include <xgrad/core/ops/elementwise.hpp>
#include <xgrad/core/ops/indexing.hpp>
#include <xgrad/core/ops/reduction.hpp>
#include <xgrad/core/ops/shape_ops.hpp>
#include <xgrad/core/tensor.hpp>
#include <xgrad/losses/reduction.hpp>
#include <xgrad/testing.hpp>

#include "expect_error.hpp"

namespace xg = xgrad;
namespace xl = xgrad::losses;
using xl::Reduction;

// leaf, values and expect_gradcheck are the installed <xgrad/testing.hpp>'s.
using xgrad::testing::expect_gradcheck;
using xgrad::testing::leaf;
using xgrad::testing::values;

inline xg::Tensor requires_grad(xg::Tensor t) { return t.detach().requires_grad_(); }

// int64 class indices from a list.
inline xg::Tensor classes(std::initializer_list<double> v) { return xg::tensor(v, xg::kInt64); }

inline bool all_finite(const xg::Tensor& t) {
  for (double v : values(t))
    if (!std::isfinite(v)) return false;
  return true;
}
