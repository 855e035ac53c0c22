// Collectives and the same-model checks, on every rank of the mpirun job.
#include "helpers.hpp"

namespace {

TEST(ProcessGroup, KnowsItsRankAndWorld) {
  EXPECT_GE(xd::world_size(), 1);
  EXPECT_GE(xd::rank(), 0);
  EXPECT_LT(xd::rank(), xd::world_size());
  EXPECT_LE(xd::local_rank(), xd::rank());  // every rank of this test is on this machine
  EXPECT_EQ(xd::local_rank(), xd::rank());
}

TEST(Collectives, AllReduceSumsAndAveragesBothDtypes) {
  const int w = xd::world_size(), r = xd::rank();
  for (xg::Dtype dt : {xg::kFloat32, xg::kFloat64}) {
    xg::Tensor t = xg::full({3}, double(r + 1), dt);
    xd::all_reduce(t, xd::ReduceOp::Sum);
    EXPECT_EQ(t.to(xg::kFloat64).data<double>()(1), w * (w + 1) / 2.0);  // 1 + 2 + ... + w
    xg::Tensor m = xg::full({2, 2}, double(r + 1), dt);
    xd::all_reduce(m, xd::ReduceOp::Mean);
    EXPECT_EQ(m.to(xg::kFloat64).data<double>()(1, 1), (w + 1) / 2.0);
  }
}

TEST(Collectives, BroadcastCopiesTheRootsValues) {
  xg::Tensor t = xg::full({4}, double(xd::rank() * 10 + 7), xg::kFloat64);
  xd::broadcast(t, xd::world_size() - 1);
  EXPECT_EQ(t.data<double>()(3), (xd::world_size() - 1) * 10 + 7);
  EXPECT_ERROR(xd::broadcast(t, xd::world_size()), "broadcast", "root");
}

TEST(Collectives, BroadcastModuleMakesEveryRankHoldRankZerosModel) {
  auto m = make_mlp(100 + std::uint64_t(xd::rank()), xg::kFloat64);  // different weights per rank
  xd::broadcast_module(*m);
  EXPECT_TRUE(identical_across_ranks(*m));
  xd::check_same_model(*m, true);  // no throw
}

TEST(Collectives, AllReduceSumIsDifferentiable) {
  // y = Σ_ranks x_r; loss_r = Σ(y · (r + 1)) on each rank; d(Σ_r loss_r)/dx = Σ_r (r + 1) everywhere.
  const int w = xd::world_size();
  xg::Tensor x = xg::full({2}, 1.0 + xd::rank(), xg::kFloat64).requires_grad_();
  xg::Tensor y = xd::all_reduce_sum(x);
  EXPECT_EQ(y.data<double>()(0), w * (w + 1) / 2.0);
  (y * double(xd::rank() + 1)).sum().backward();
  EXPECT_EQ(x.grad().data<double>()(1), w * (w + 1) / 2.0);
}

TEST(SameModel, ADifferentShapeOnOneRankIsNamedOnEveryRank) {
  if (xd::world_size() < 2) GTEST_SKIP() << "needs 2 ranks";
  xg::manual_seed(0);
  auto m = std::make_shared<TinyMlp>(xd::rank() == 1 ? 8 : 16);  // rank 1's hidden layer is smaller
  EXPECT_ERROR(xd::DistributedDataParallel ddp(m), "check_same_model", "rank 1 holds a different model than rank 0",
               "parameter 'fc1.weight' is (16, 6) float32 on rank 0 but (8, 6) float32 on rank 1");
}

TEST(SameModel, AMissingLayerIsNamed) {
  if (xd::world_size() < 2) GTEST_SKIP() << "needs 2 ranks";
  xg::manual_seed(0);
  std::shared_ptr<xg::nn::Module> m;
  if (xd::rank() == 1)
    m = std::make_shared<xg::nn::Linear>(6, 3);
  else
    m = std::make_shared<TinyMlp>();
  EXPECT_ERROR(xd::DistributedDataParallel ddp(m), "check_same_model", "rank 1", "entry 0 is parameter 'fc1.weight'",
               "parameter 'weight' on rank 1");
}

TEST(SameModel, OtherInitialValuesAreNamedWithTheFix) {
  if (xd::world_size() < 2) GTEST_SKIP() << "needs 2 ranks";
  auto m = make_mlp(std::uint64_t(xd::rank()), xg::kFloat64);  // seeded per rank: other weights
  EXPECT_ERROR(xd::DistributedDataParallel ddp(m), "check_same_model", "rank 1 holds other values than rank 0",
               "'fc1.weight' differs", "manual_seed");
  xd::DistributedDataParallel ddp(m, {.broadcast_parameters = true});  // the other fix
  EXPECT_TRUE(identical_across_ranks(*m));
}

TEST(SameModel, ADifferentBatchSizeIsNamed) {
  xd::check_same_value("batch size", 64);
  if (xd::world_size() < 2) GTEST_SKIP() << "needs 2 ranks";
  EXPECT_ERROR(xd::check_same_value("batch size", xd::rank() == 1 ? 32 : 64), "check_same_value",
               "batch size: 64 on rank 0, 32 on rank 1");
}

}  // namespace
