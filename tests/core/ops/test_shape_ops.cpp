#include <algorithm>

#include "../helpers.hpp"

namespace {

TEST(ShapeOps, Gradcheck) {
  xg::manual_seed(13);
  xg::Tensor x = leaf({2, 3, 4});
  expect_gradcheck([](const auto& v) { return xg::reshape(v[0], {4, -1}); }, {x});
  expect_gradcheck([](const auto& v) { return xg::flatten(v[0], 1); }, {x});
  expect_gradcheck([](const auto& v) { return xg::transpose(v[0], 0, 2); }, {x});
  expect_gradcheck([](const auto& v) { return xg::permute(v[0], {1, 2, 0}); }, {x});
  expect_gradcheck([](const auto& v) { return xg::unsqueeze(v[0], -1); }, {x});
  expect_gradcheck([](const auto& v) { return xg::squeeze(xg::unsqueeze(v[0], 1)); }, {x});
}

// permute against its definition, out[i0..in] = x[j] with j[perm[k]] = i[k], computed index by
// index: every order of four dims, sizes of 1 (stride tricks) and 0, a 5-D head layout, 0-D, and
// the backward, which permutes by the inverse.
TEST(ShapeOps, PermuteMovesEveryElementWhereItsDefinitionSays) {
  auto check = [](const xg::Shape& shape, const std::vector<std::int64_t>& perm) {
    const std::size_t n = shape.size();
    const xg::Tensor x = xg::arange(double(xg::numel(shape)), xg::kFloat64)
                             .reshape(std::vector<std::int64_t>(shape.begin(), shape.end()));
    const xg::Tensor y = x.permute(perm);
    xg::Shape out(n);
    for (std::size_t k = 0; k < n; ++k) out[k] = shape[std::size_t(perm[k])];
    ASSERT_EQ(y.shape(), out);
    const auto xv = values(x), yv = values(y);
    std::vector<std::size_t> i(n, 0), j(n);
    for (std::size_t flat = 0; flat < yv.size(); ++flat) {
      for (std::size_t k = 0; k < n; ++k) j[std::size_t(perm[k])] = i[k];
      std::size_t src = 0;
      for (std::size_t k = 0; k < n; ++k) src = src * shape[k] + j[k];
      ASSERT_EQ(yv[flat], xv[src]) << xg::to_string(shape) << " at output " << flat;
      for (std::size_t k = n; k-- > 0;) {
        if (++i[k] < out[k]) break;
        i[k] = 0;
      }
    }
  };
  std::vector<std::int64_t> perm{0, 1, 2, 3};
  do {
    check({2, 3, 4, 5}, perm);
    check({3, 1, 4, 1}, perm);
    check({2, 0, 3, 1}, perm);
  } while (std::next_permutation(perm.begin(), perm.end()));
  check({16, 3, 8, 8, 8}, {0, 1, 3, 4, 2});  // tiny YOLO's head: (batch, anchor, y, x, 5 + C)
  check({7}, {0});
  check({}, {});

  xg::Tensor x = leaf({2, 3, 4, 5});
  const xg::Tensor dy = xg::randn({4, 2, 5, 3}, xg::kFloat64);
  x.permute({2, 0, 3, 1}).backward(dy);
  const xg::Tensor expected = dy.permute({1, 3, 0, 2});  // the inverse permutation
  EXPECT_EQ(values(x.grad()), values(expected));
}

TEST(ShapeOps, Shapes) {
  xg::Tensor x = xg::arange(24).reshape({2, 3, 4});
  EXPECT_EQ(x.reshape({-1, 6}).shape(), (xg::Shape{4, 6}));
  EXPECT_EQ(x.flatten().shape(), (xg::Shape{24}));
  EXPECT_EQ(x.flatten(0, 1).shape(), (xg::Shape{6, 4}));
  EXPECT_EQ(x.permute({2, 0, 1}).shape(), (xg::Shape{4, 2, 3}));
  EXPECT_EQ(x.unsqueeze(0).shape(), (xg::Shape{1, 2, 3, 4}));
  EXPECT_EQ(x.unsqueeze(3).shape(), (xg::Shape{2, 3, 4, 1}));
  EXPECT_EQ(xg::ones({1, 3, 1}).squeeze().shape(), (xg::Shape{3}));
  EXPECT_EQ(xg::ones({1, 3, 1}).squeeze(1).shape(), (xg::Shape{1, 3, 1}));  // not size 1: unchanged
  // transpose moves elements: x[i][j] becomes t[j][i].
  xg::Tensor m = xg::tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(values(m.t()), (std::vector<double>{1, 4, 2, 5, 3, 6}));
}

TEST(ShapeOps, ResultsAreCopies) {
  xg::Tensor x = xg::zeros({2, 2});
  xg::Tensor y = x.reshape({4});
  y.data<float>()(0) = 7;
  EXPECT_EQ(x.data<float>()(0, 0), 0.0f);
}

TEST(ShapeOps, Errors) {
  EXPECT_ERROR(xg::ones({2, 3}).reshape({4, 2}), "reshape", "(4, 2)", "(2, 3)");
  EXPECT_ERROR(xg::ones({2, 3}).reshape({-1, -1}), "reshape", "only one");
  EXPECT_ERROR(xg::ones({2, 3}).permute({0, 0}), "permute", "more than once");
  EXPECT_ERROR(xg::ones({2, 3}).permute({0}), "permute", "1 dims");
  EXPECT_ERROR(xg::ones({2, 3}).transpose(0, 2), "transpose", "dim 2");
}

}  // namespace
