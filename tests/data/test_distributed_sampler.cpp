// data::DistributedSampler: disjoint shards whose union is the epoch's permutation, the same on
// every run, padded (or cut) as PyTorch's, and world size 1 = the single-process order.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "expect_error.hpp"

namespace xg = xgrad;

namespace {

std::vector<std::int64_t> as_vector(const xg::Tensor& t) {
  const auto& a = t.data<std::int64_t>();
  return std::vector<std::int64_t>(a.begin(), a.end());
}

TEST(DistributedSampler, ShardsAreDisjointAndTogetherTheEpochsPermutation) {
  const std::size_t n = 100;
  for (int w : {2, 3, 4}) {
    std::vector<std::int64_t> all;
    for (int r = 0; r < w; ++r) {
      xg::data::DistributedSampler s(n, w, r, {.seed = 5});
      const auto mine = as_vector(s.indices(3));
      EXPECT_EQ(mine.size(), s.per_rank());
      all.insert(all.end(), mine.begin(), mine.end());
    }
    // 100 = 2·50 = 4·25 split evenly; 3 ranks take 34 each: 102 = 100 + 2 padded entries.
    EXPECT_EQ(all.size(), (n + w - 1) / w * w);
    std::set<std::int64_t> distinct(all.begin(), all.end());
    EXPECT_EQ(distinct.size(), n) << "world size " << w;  // every example, once (plus the padding)
    EXPECT_EQ(*distinct.begin(), 0);
    EXPECT_EQ(*distinct.rbegin(), std::int64_t(n - 1));
  }
}

TEST(DistributedSampler, PadsAndStridesAsPyTorch) {
  // PyTorch: indices += indices[:padding]; rank r takes indices[r::W].
  xg::data::DistributedSampler r0(10, 4, 0, {.seed = 1}), r3(10, 4, 3, {.seed = 1});
  const auto order = as_vector(r0.epoch_order(0));
  ASSERT_EQ(order.size(), 12u);
  EXPECT_EQ(order[10], order[0]);  // the padding repeats the first entries
  EXPECT_EQ(order[11], order[1]);
  EXPECT_EQ(as_vector(r0.indices(0)), (std::vector<std::int64_t>{order[0], order[4], order[8]}));
  EXPECT_EQ(as_vector(r3.indices(0)), (std::vector<std::int64_t>{order[3], order[7], order[11]}));
  xg::data::DistributedSampler cut(10, 4, 1, {.seed = 1, .drop_last = true});
  EXPECT_EQ(as_vector(cut.indices(0)), (std::vector<std::int64_t>{order[1], order[5]}));  // 8 of 10 kept
}

TEST(DistributedSampler, SameSeedAndEpochSameOrderEveryRunOtherEpochOtherOrder) {
  xg::data::DistributedSampler a(50, 2, 1, {.seed = 9}), b(50, 2, 1, {.seed = 9});
  xg::manual_seed(123);  // the global stream does not matter, and is left as it was
  const xg::Tensor before = xg::get_rng_state();
  EXPECT_EQ(as_vector(a.indices(4)), as_vector(b.indices(4)));
  EXPECT_NE(as_vector(a.indices(4)), as_vector(a.indices(5)));
  EXPECT_EQ(as_vector(xg::get_rng_state()), as_vector(before));
}

TEST(DistributedSampler, WorldSizeOneIsTheSingleProcessOrder) {
  // The single-process order: randperm right after manual_seed(seed + epoch).
  xg::data::DistributedSampler s(37, 1, 0, {.seed = 11});
  xg::manual_seed(11 + 2);
  EXPECT_EQ(as_vector(s.indices(2)), as_vector(xg::randperm(37)));
  xg::data::DistributedSampler plain(5, 1, 0, {.shuffle = false});
  EXPECT_EQ(as_vector(plain.indices(0)), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
}

TEST(DistributedSampler, PerRankBatchesMakeTheSingleProcessBatch) {
  // Rank r's batch k of B/W rows, over all ranks, is the single-process batch k of B rows.
  const std::size_t n = 64, W = 4, B = 16;
  xg::data::DistributedSampler one(n, 1, 0, {.seed = 3});
  const auto whole = as_vector(one.indices(0));
  for (std::size_t k = 0; k < n / B; ++k) {
    std::set<std::int64_t> merged;
    for (std::size_t r = 0; r < W; ++r) {
      const auto mine = as_vector(xg::data::DistributedSampler(n, int(W), int(r), {.seed = 3}).indices(0));
      merged.insert(mine.begin() + k * (B / W), mine.begin() + (k + 1) * (B / W));
    }
    EXPECT_EQ(merged, std::set<std::int64_t>(whole.begin() + k * B, whole.begin() + (k + 1) * B)) << "batch " << k;
  }
}

TEST(DistributedSampler, BadArgumentsAreNamed) {
  EXPECT_ERROR(xg::data::DistributedSampler(10, 0, 0), "DistributedSampler", "world_size", "0");
  EXPECT_ERROR(xg::data::DistributedSampler(10, 2, 2), "DistributedSampler", "rank 2", "[0, 2)");
  EXPECT_ERROR(xg::data::DistributedSampler(0, 2, 0), "DistributedSampler", "empty");
  EXPECT_ERROR(xg::data::DistributedSampler(3, 4, 0, {.drop_last = true}), "DistributedSampler", "drop_last");
}

}  // namespace
