// The epoch sampler (data/epoch_sampler.*): the order is xg::randperm's, drawn once per epoch;
// batches cut it in order, the last one short or (drop_last) dropped; resume() puts an epoch back.
#include <gtest/gtest.h>

#include <set>
#include <xgrad/data/epoch_sampler.hpp>

#include "../core/helpers.hpp"

namespace data = xgrad::data;

namespace {

std::vector<std::vector<std::int64_t>> one_epoch(data::EpochSampler& s) {
  std::vector<std::vector<std::int64_t>> out;
  for (s.start_epoch(); s.has_next();) {
    const auto next = s.next();
    out.emplace_back(next.begin(), next.end());
  }
  return out;
}

}  // namespace

TEST(EpochSampler, CutsRandpermsOrderIntoBatches) {
  xg::manual_seed(7);
  const std::vector<double> expected = values(xg::randperm(10));
  xg::manual_seed(7);
  data::EpochSampler s(10, 4);
  const auto batches = one_epoch(s);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[2].size(), 2u);  // what is left
  std::vector<double> seen;
  for (const auto& b : batches) seen.insert(seen.end(), b.begin(), b.end());
  EXPECT_EQ(seen, expected);
  EXPECT_ERROR(s.next(), "EpochSampler::next", "no batch left", "position 3 of 3");
}

TEST(EpochSampler, DropLastKeepsOnlyFullBatches) {
  data::EpochSampler s(10, 4, {.drop_last = true});
  EXPECT_EQ(s.batches_per_epoch(), 2u);
  for (const auto& b : one_epoch(s)) EXPECT_EQ(b.size(), 4u);
  // Fewer examples than a batch: one batch of all of them.
  data::EpochSampler small(3, 8, {.drop_last = true});
  const auto batches = one_epoch(small);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(std::set<std::int64_t>(batches[0].begin(), batches[0].end()), (std::set<std::int64_t>{0, 1, 2}));
}

TEST(EpochSampler, WithoutShufflingInOrderAndEachEpochRedraws) {
  data::EpochSampler in_order(5, 2, {.shuffle = false});
  EXPECT_EQ(one_epoch(in_order), (std::vector<std::vector<std::int64_t>>{{0, 1}, {2, 3}, {4}}));
  xg::manual_seed(3);
  data::EpochSampler s(50, 50);
  const auto first = one_epoch(s), second = one_epoch(s);
  EXPECT_NE(first, second);
}

TEST(EpochSampler, ResumesAnEpochAndNamesItsOwner) {
  xg::manual_seed(2);
  data::EpochSampler s(9, 3, {.name = "Mine"});
  s.start_epoch();
  s.next();
  data::EpochSampler resumed(9, 3);
  resumed.resume(s.order(), s.position());
  const auto a = s.next(), b = resumed.next();
  EXPECT_EQ(std::vector<std::int64_t>(a.begin(), a.end()), std::vector<std::int64_t>(b.begin(), b.end()));
  EXPECT_ERROR(s.resume(xg::arange(9.0), 0), "Mine::resume", "int64 tensor of shape (9)");
  EXPECT_ERROR(data::EpochSampler(0, 3, {.name = "Mine"}), "Mine", "the dataset is empty");
  EXPECT_ERROR(data::EpochSampler(3, 0), "EpochSampler", "batch size must be positive");
}
