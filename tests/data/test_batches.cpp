// Mini-batches (data/batches.*): each example once per epoch in a seeded random order, the last
// batch smaller, and an epoch resumed from its order and position.
#include <gtest/gtest.h>

#include <set>
#include <xgrad/data/batches.hpp>

#include "../core/helpers.hpp"

namespace data = xgrad::data;

namespace {

// 10 examples: inputs (10, 2) float32 with row i = (i, -i), targets int64 i.
data::Batches ten(std::size_t batch_size) {
  xt::xarray<float> x = xt::empty<float>(xg::Shape{10, 2});
  xt::xarray<std::int64_t> y = xt::empty<std::int64_t>(xg::Shape{10});
  for (int i = 0; i < 10; ++i) x(i, 0) = float(i), x(i, 1) = float(-i), y(i) = i;
  return data::Batches(xg::from_xarray(x), xg::from_xarray(y), batch_size);
}

// The targets of every batch of one epoch.
std::vector<std::vector<double>> epoch(data::Batches& b) {
  std::vector<std::vector<double>> out;
  for (b.start_epoch(); b.has_next();) {
    const data::Batch batch = b.next();
    const auto& x = batch.inputs.data<float>();
    for (std::size_t i = 0; i < batch.targets.numel(); ++i)  // inputs travel with their targets
      EXPECT_EQ(x(i, 0), float(batch.targets.data<std::int64_t>()(i)));
    out.push_back(values(batch.targets));
  }
  return out;
}

}  // namespace

TEST(Batches, EachExampleOncePerEpochLastBatchSmaller) {
  xg::manual_seed(1);
  data::Batches b = ten(4);
  EXPECT_EQ(b.batches_per_epoch(), 3u);
  const auto first = epoch(b), second = epoch(b);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[2].size(), 2u);
  std::multiset<double> seen;
  for (const auto& batch : first) seen.insert(batch.begin(), batch.end());
  EXPECT_EQ(seen, (std::multiset<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_NE(first, second);  // a new order each epoch

  xg::manual_seed(1);
  data::Batches again = ten(4);
  EXPECT_EQ(epoch(again), first);  // the same seed, the same order
  EXPECT_ERROR(again.next(), "no batch left", "position 3 of 3");
}

TEST(Batches, ResumesAnEpochFromItsOrder) {
  xg::manual_seed(2);
  data::Batches b = ten(3);
  b.start_epoch();
  b.next();
  const xg::Tensor order = b.order();
  const auto rest = values(b.next().targets);

  data::Batches resumed = ten(3);
  resumed.resume(order, 1);
  EXPECT_EQ(values(resumed.next().targets), rest);

  EXPECT_ERROR(resumed.resume(xg::from_xarray(xt::xarray<std::int64_t>{0, 1, 2}), 0), "shape (10)");
  xt::xarray<std::int64_t> repeated = xt::arange<std::int64_t>(10);
  repeated(9) = 0;
  EXPECT_ERROR(resumed.resume(xg::from_xarray(repeated), 0), "not a permutation", "entry 0");
  EXPECT_ERROR(resumed.resume(order, 5), "position 5 is past the epoch's 4 batches");
}

TEST(Batches, RejectsMismatchedData) {
  EXPECT_ERROR(data::Batches(xg::zeros({4, 2}), xg::zeros({3}), 2), "4 inputs but 3 targets");
  EXPECT_ERROR(data::Batches(xg::zeros({4, 2}), xg::zeros({4}), 0), "batch size must be positive");
}
