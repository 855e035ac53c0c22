#pragma once
// sin, cos, atan and atan2 live in the elementwise family now (<xgrad/core/ops/elementwise.hpp>);
// this header keeps the old include path working for one release.
#include "xgrad/core/ops/elementwise.hpp"
