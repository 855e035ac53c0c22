#include "../helpers.hpp"

namespace {

xg::Tensor ints(xt::xarray<std::int64_t> a) { return xg::from_xarray(std::move(a)); }

TEST(Indexing, Gradcheck) {
  xg::manual_seed(14);
  xg::Tensor x = leaf({4, 5}), y = leaf({2, 5}), z = leaf({4, 5});
  expect_gradcheck([](const auto& v) { return xg::slice(v[0], 1, 1, 5, 2); }, {x});
  expect_gradcheck([](const auto& v) { return xg::slice(v[0], 0, -3, -1); }, {x});
  expect_gradcheck([](const auto& v) { return xg::select(v[0], 1, -1); }, {x});
  expect_gradcheck([](const auto& v) { return xg::cat({v[0], v[1], v[0]}, 0); }, {x, y});
  expect_gradcheck([](const auto& v) { return xg::stack({v[0], v[1]}, -1); }, {x, z});
  const xg::Tensor idx = ints({{0, 4, 4}, {1, 1, 0}, {2, 3, 2}, {4, 0, 1}});
  expect_gradcheck([idx](const auto& v) { return xg::gather(v[0], 1, idx); }, {x});
  const xg::Tensor rows = ints({{3, 0, 1, 1, 2}, {0, 0, 3, 2, 1}});
  expect_gradcheck([rows](const auto& v) { return xg::gather(v[0], 0, rows); }, {x});
  const xg::Tensor pick = ints({2, 0, 2});
  expect_gradcheck([pick](const auto& v) { return xg::index_select(v[0], 0, pick); }, {x});
  expect_gradcheck([pick](const auto& v) { return xg::index_select(v[0], 1, pick); }, {x});
}

TEST(Indexing, Values) {
  xg::Tensor x = xg::arange(12, xg::kFloat64).reshape({3, 4});
  EXPECT_EQ(values(x.slice(1, 1, 100, 2)), (std::vector<double>{1, 3, 5, 7, 9, 11}));  // end clamps like Python
  EXPECT_EQ(values(x.select(0, -1)), (std::vector<double>{8, 9, 10, 11}));
  EXPECT_EQ(xg::cat({x, x}, 1).shape(), (xg::Shape{3, 8}));
  EXPECT_EQ(xg::stack({x, x, x}, 1).shape(), (xg::Shape{3, 3, 4}));
  EXPECT_EQ(values(xg::gather(x, 1, ints({3, 0, 1}).reshape({3, 1}))), (std::vector<double>{3, 4, 9}));
  EXPECT_EQ(values(xg::index_select(x, 1, ints({3, 3}))), (std::vector<double>{3, 3, 7, 7, 11, 11}));
}

TEST(Indexing, RepeatedIndicesAccumulateGradient) {
  xg::Tensor x = xg::zeros({3}, xg::kFloat64).requires_grad_();
  xg::index_select(x, 0, ints({2, 2, 0})).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 0, 2}));
}

TEST(Indexing, Errors) {
  xg::Tensor x = xg::ones({3, 4});
  EXPECT_ERROR(x.select(0, 3), "select", "index 3", "size 3");
  EXPECT_ERROR(x.slice(1, 0, 2, 0), "slice", "step");
  EXPECT_ERROR(xg::cat({x, xg::ones({2, 5})}, 0), "cat", "(2, 5)", "(3, 4)");
  EXPECT_ERROR(xg::stack({x, xg::ones({4, 3})}), "stack", "(4, 3)");
  EXPECT_ERROR(xg::gather(x, 1, ints({{0, 4}})), "gather", "index 4", "size 4");
  EXPECT_ERROR(xg::gather(x, 1, xg::ones({3, 1})), "gather", "int64", "float32");
  EXPECT_ERROR(xg::index_select(x, 0, ints({-4})), "index_select", "index -4");
  EXPECT_ERROR(xg::cat({}, 0), "cat", "at least one");
}

}  // namespace

namespace {
TEST(Indexing, SliceToTheEnd) {
  xg::manual_seed(15);
  const xg::Tensor x = leaf({4, 5});
  EXPECT_EQ(values(xg::slice(x, 1, 2)), values(xg::slice(x, 1, 2, 5)));   // x[:, 2:]
  EXPECT_EQ(values(x.slice(0, -2)), values(xg::slice(x, 0, 2, 4)));       // x[-2:]
  EXPECT_EQ(xg::slice(x, 1, 1, xg::kEnd, 2).shape(), (xg::Shape{4, 2}));  // x[:, 1::2]
  expect_gradcheck([](const auto& v) { return xg::slice(v[0], 1, 3); }, {x});
}

TEST(Indexing, Int64TensorsSliceSelectAndIndexSelect) {
  const xg::Tensor labels = ints({{3, 1, 4}, {1, 5, 9}});
  const xg::Tensor s = xg::slice(labels, 1, 1);
  EXPECT_EQ(s.dtype(), xg::kInt64);
  EXPECT_EQ(s.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 4, 5, 9}));
  EXPECT_EQ(xg::select(labels, 0, 1).to_vector<int>(), (std::vector<int>{1, 5, 9}));
  const xg::Tensor picked = xg::index_select(labels, 1, ints({2, 0}));
  EXPECT_EQ(picked.shape(), (xg::Shape{2, 2}));
  EXPECT_EQ(picked.to_vector<int>(), (std::vector<int>{4, 3, 9, 1}));
  EXPECT_FALSE(picked.requires_grad());
}

// torch.nn.functional.one_hot(torch.tensor([0, 2, 1]), 3), as floats.
TEST(Indexing, OneHotLivesInCore) {
  const xg::Tensor h = xg::one_hot(ints({0, 2, 1}), 3);
  EXPECT_EQ(h.dtype(), xg::kFloat32);
  EXPECT_EQ(values(h), (std::vector<double>{1, 0, 0, 0, 0, 1, 0, 1, 0}));
  EXPECT_EQ(xg::one_hot(ints({1}), 2, xg::kInt64).to_vector<int>(), (std::vector<int>{0, 1}));
  EXPECT_ERROR(xg::one_hot(ints({3}), 3), "one_hot", "label 0 is 3");
}
}  // namespace

namespace {
// index_select_flat(x, e, index) is index_select(flatten(x, 0, e), 0, index): rows of x at flat
// positions over dims 0..e. For x = arange(24) of shape (2, 3, 4) and e = 1, row r is
// x[r / 3][r % 3], entries 4r .. 4r + 3.
TEST(Indexing, IndexSelectFlatValues) {
  const xg::Tensor x = xg::arange(24, xg::kFloat64).reshape({2, 3, 4});
  const xg::Tensor rows = xg::index_select_flat(x, 1, ints({4, 0, -1}));
  EXPECT_EQ(rows.shape(), (xg::Shape{3, 4}));
  EXPECT_EQ(values(rows), (std::vector<double>{16, 17, 18, 19, 0, 1, 2, 3, 20, 21, 22, 23}));
  // end_dim 0 is index_select on dim 0; end_dim -1 (every dim) picks single entries.
  EXPECT_EQ(values(xg::index_select_flat(x, 0, ints({1}))), values(xg::select(x, 0, 1)));
  const xg::Tensor entries = xg::index_select_flat(x, -1, ints({23, 5, 5}));
  EXPECT_EQ(entries.shape(), (xg::Shape{3}));
  EXPECT_EQ(values(entries), (std::vector<double>{23, 5, 5}));
  EXPECT_EQ(xg::index_select_flat(x, 1, ints(xt::xarray<std::int64_t>::from_shape({0}))).shape(), (xg::Shape{0, 4}));
  const xg::Tensor labels = ints({{{3, 1}, {4, 1}}, {{5, 9}, {2, 6}}});  // int64: the same rows, no gradient
  const xg::Tensor picked = xg::index_select_flat(labels, 1, ints({2, 1}));
  EXPECT_EQ(picked.dtype(), xg::kInt64);
  EXPECT_EQ(picked.to_vector<int>(), (std::vector<int>{5, 9, 4, 1}));
}

TEST(Indexing, IndexSelectFlatMatchesIndexSelectOfFlatten) {
  xg::manual_seed(16);
  for (const xg::Dtype dtype : {xg::kFloat32, xg::kFloat64}) {
    const xg::Tensor x = xg::randn({2, 3, 2, 2, 5}, dtype).requires_grad_();
    const xg::Tensor x2 = x.detach().requires_grad_();
    const xg::Tensor index = ints({7, 0, 23, 7, 11, 7});
    const xg::Tensor up = xg::randn({6, 5}, dtype);
    const xg::Tensor a = xg::index_select_flat(x, 3, index), b = xg::index_select(xg::flatten(x2, 0, 3), 0, index);
    EXPECT_EQ(a.shape(), b.shape());
    EXPECT_EQ(values(a), values(b));
    (a * up).sum().backward();
    (b * up).sum().backward();
    EXPECT_EQ(x.grad().shape(), x.shape());
    EXPECT_EQ(values(x.grad()), values(x2.grad()));  // row 7 taken three times gets the three rows' sum
  }
}

TEST(Indexing, IndexSelectFlatGradcheck) {
  xg::manual_seed(17);
  const xg::Tensor x = leaf({2, 3, 4});
  const xg::Tensor pick = ints({5, 0, 5, 2});
  expect_gradcheck([pick](const auto& v) { return xg::index_select_flat(v[0], 1, pick); }, {x});
  expect_gradcheck([](const auto& v) { return xg::index_select_flat(v[0], 0, ints({1, 1, 0})); }, {x});
  expect_gradcheck([](const auto& v) { return xg::index_select_flat(v[0], -1, ints({23, 0, 7, 7})); }, {x});
}

TEST(Indexing, IndexSelectFlatErrors) {
  const xg::Tensor x = xg::ones({2, 3, 4});
  EXPECT_ERROR(xg::index_select_flat(x, 1, ints({6})), "index_select_flat", "index 6", "dims 0 to 1", "(2, 3, 4)",
               "size 6");
  EXPECT_ERROR(xg::index_select_flat(x, 1, ints({-7})), "index_select_flat", "index -7");
  EXPECT_ERROR(xg::index_select_flat(x, 3, ints({0})), "index_select_flat", "dim 3");
  EXPECT_ERROR(xg::index_select_flat(x, 1, ints({{0, 1}})), "index_select_flat", "1-D", "(1, 2)");
  EXPECT_ERROR(xg::index_select_flat(x, 1, xg::ones({2})), "index_select_flat", "int64", "float32");
  EXPECT_ERROR(xg::index_select_flat(xg::ones({}), 0, ints({0})), "index_select_flat", "0-d");
}
}  // namespace
