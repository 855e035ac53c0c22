#pragma once
// Shared by the core tests: <xgrad/testing.hpp> (float64 leaves, gradcheck expectations that
// print the report, flat values) and EXPECT_ERROR.
#include <gtest/gtest.h>

#include <xgrad/testing.hpp>
#include <xgrad/xgrad.hpp>

#include "expect_error.hpp"

namespace xg = xgrad;

// leaf, values and expect_gradcheck are the installed <xgrad/testing.hpp>'s, as a user's tests
// would use them.
using xgrad::testing::expect_gradcheck;
using xgrad::testing::leaf;
using xgrad::testing::values;
