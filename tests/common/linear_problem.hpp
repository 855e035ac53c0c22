#pragma once
// The linear regression problem the models and train tests share: y = x . (1.5, -2, 0.5) + 0.7 +
// noise * N(0, 1), with x ~ N(0, 1), float64, drawn from `seed`.
#include <cstddef>
#include <cstdint>
#include <xgrad/xgrad.hpp>

namespace xgrad::test {

struct LinearProblem {
  Tensor x, y;
};

inline LinearProblem make_linear_problem(std::size_t n, double noise, std::uint64_t seed) {
  manual_seed(seed);
  const Tensor x = randn({n, 3}, kFloat64);
  const Tensor w = tensor({{1.5}, {-2.0}, {0.5}}, kFloat64);
  const Tensor y = (x.matmul(w).squeeze(1) + 0.7) + randn({n}, kFloat64) * noise;
  return {x, y};
}

}  // namespace xgrad::test
