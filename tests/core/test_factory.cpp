// Hostile sizes and shapes through the factories (core/factory.cpp) and the checked-size helpers
// they share with the readers (core/shape.hpp): a size that overflows, that no memory holds or that
// a memory limit refuses is an xg::Error naming the op and the size, never empty storage, undefined
// behaviour or a std::bad_alloc; a ragged nested list is an error naming the level and the lengths.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>

#include "helpers.hpp"
#include "memory_limit.hpp"

namespace {

constexpr std::size_t kHuge = std::size_t(1) << 62;
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

TEST(CheckedSizes, NumelRefusesShapesTensorsCannotIndex) {
  EXPECT_EQ(xg::try_numel({}), 1u);
  EXPECT_EQ(xg::try_numel({3, 0, 4}), 0u);
  EXPECT_EQ(xg::try_numel({kHuge, 1}), kHuge);
  EXPECT_EQ(xg::try_numel({kHuge, 2}), std::nullopt);  // 2^63: past int64's strides
  EXPECT_EQ(xg::try_numel({kHuge, 4}), std::nullopt);  // 2^64 wraps to 0 in size_t
  // Zero elements, but xtensor's strides would still multiply the other sizes: 2^96.
  EXPECT_EQ(xg::try_numel({0, 1ull << 32, 1ull << 32, 1ull << 32}), std::nullopt);
  EXPECT_ERROR(xg::checked_numel("op", {kHuge, 4}), "op: shape (4611686018427387904, 4) has too many elements",
               "2^63 - 1");
  EXPECT_ERROR(xg::checked_bytes("op", {kHuge / 2, 1}, 8), "op", "needs more than 2^64 bytes");
  EXPECT_ERROR(xg::checked_bytes("op", {1ull << 40, 1024}, 4), "op", "needs 4503599627370496 bytes",
               "bytes of memory this machine has");
  EXPECT_EQ(xg::checked_bytes("op", {3, 5}, 8), 120u);
  EXPECT_GT(xg::max_tensor_bytes(), std::size_t(1) << 26);
}

TEST(Factory, SizesThatOverflowAreErrors) {
  // Each returned a (2^62, 4) tensor with empty storage before (or hit UBSan in xtensor).
  EXPECT_ERROR(xg::zeros({kHuge, 4}), "zeros", "(4611686018427387904, 4)", "too many elements");
  EXPECT_ERROR(xg::ones({kHuge, 4}, xg::kFloat64), "ones", "too many elements");
  EXPECT_ERROR(xg::full({4, kHuge}, 2.0), "full", "too many elements");
  EXPECT_ERROR(xg::rand({kHuge, 4}), "rand", "too many elements");
  EXPECT_ERROR(xg::randn({kHuge, 4}), "randn", "too many elements");
  EXPECT_ERROR(xg::randint(0, 5, {kHuge, 4}), "randint", "too many elements");
  EXPECT_ERROR(xg::zeros({0, 1ull << 32, 1ull << 32, 1ull << 32}), "zeros", "(zeros aside)");
  EXPECT_ERROR(xg::randperm(kMax), "randperm", "needs more than 2^64 bytes");
  EXPECT_EQ(xg::zeros({0, 1ull << 20}).numel(), 0u);  // empty but sane: fine
}

TEST(Factory, SizesBeyondMemoryAreErrorsNotBadAlloc) {
  // 2^50 floats (4 PB): indexable, but no machine here holds it.
  EXPECT_ERROR(xg::zeros({1ull << 25, 1ull << 25}), "zeros", "(33554432, 33554432)", "bytes of memory");
  EXPECT_ERROR(xg::randn({1ull << 40, 1024}, xg::kFloat64), "randn", "bytes of memory");
  if (!xgrad_test::can_limit_memory()) GTEST_SKIP() << "RLIMIT_AS cannot be used under AddressSanitizer or valgrind";
  // Within the machine's memory but beyond a 64 MB budget: the std::bad_alloc becomes an Error.
  EXPECT_EQ(xgrad_test::run_with_memory_budget(64u << 20, [] { xg::zeros({256u << 20}, xg::kFloat64); }),
            xgrad_test::Outcome::ThrewError);
}

TEST(Factory, ArangeCountMustBeFiniteAndFit) {
  // Both returned empty tensors: the count was converted to size_t out of range.
  EXPECT_ERROR(xg::arange(0, 1e30), "arange", "[0, 1e+30) in steps of 1 holds 1e+30 elements");
  EXPECT_ERROR(xg::arange(0, 1, 1e-300), "arange", "holds 1e+300 elements");
  EXPECT_ERROR(xg::arange(-1e308, 1e308), "arange", "holds inf elements");
  EXPECT_ERROR(xg::arange(0, 1e15), "arange", "bytes of memory");  // 4 PB of float32
  EXPECT_EQ(values(xg::arange(0, 1, 0.5)), (std::vector<double>{0, 0.5}));
}

TEST(Factory, RandintCoversTheWholeInt64Range) {
  // high - low overflowed int64 (undefined behaviour, caught by UBSan).
  xg::manual_seed(3);
  const xg::Tensor t = xg::randint(kMin, kMax, {2000});
  const auto& a = t.data<std::int64_t>();
  const auto negatives = std::count_if(a.begin(), a.end(), [](std::int64_t v) { return v < 0; });
  EXPECT_GT(negatives, 850);
  EXPECT_LT(negatives, 1150);
  EXPECT_EQ(std::set<std::int64_t>(a.begin(), a.end()).size(), 2000u);
  // Ordinary ranges draw what they always drew: low + draw % span.
  xg::manual_seed(3);
  const xg::Tensor small = xg::randint(-5, 5, {8});
  xg::manual_seed(3);
  const xg::Tensor big = xg::randint(kMin, kMax, {8});
  for (std::size_t i = 0; i < 8; ++i) {
    const auto draw = static_cast<std::uint64_t>(big.data<std::int64_t>()(i)) - static_cast<std::uint64_t>(kMin);
    EXPECT_EQ(small.data<std::int64_t>()(i), -5 + static_cast<std::int64_t>(draw % 10)) << i;
  }
  EXPECT_ERROR(xg::randint(kMax, kMin, {1}), "randint", "empty range");
}

TEST(Factory, RaggedNestedListsAreErrors) {
  // A heap-buffer-overflow write in xt::nested_copy before.
  EXPECT_ERROR(xg::tensor({{{1., 2.}}, {{3.}, {4., 5.}}}), "tensor: ragged nested list", "at nesting level 1",
               "the list at [1] has 2 elements but the list at [0] has 1");
  // Silently (2, 1) [1 2] before.
  EXPECT_ERROR(xg::tensor({{1.}, {2., 3., 4.}}), "at nesting level 1", "the list at [1] has 3 elements",
               "the list at [0] has 1");
  // Garbage in the last element before.
  EXPECT_ERROR(xg::tensor({{1., 2.}, {3.}}), "at nesting level 1", "[1] has 1 element but", "[0] has 2");
  EXPECT_ERROR(xg::tensor({{{1., 2.}, {3., 4.}}, {{5., 6.}, {7.}}}), "at nesting level 2",
               "the list at [1][1] has 1 element but the list at [0][0] has 2");
  EXPECT_ERROR(xg::tensor({{{{1., 2.}}}, {{{3.}}}}), "at nesting level 3", "[1][0][0] has 1", "[0][0][0] has 2");
  EXPECT_ERROR(xg::tensor({{}, {1.}}), "at nesting level 1", "[1] has 1 element but the list at [0] has 0");
}

TEST(Factory, RegularNestedListsKeepTheirShapeAndOrder) {
  EXPECT_EQ(values(xg::tensor({{1., 2., 3.}, {4., 5., 6.}}, xg::kFloat64)), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  const xg::Tensor t3 = xg::tensor({{{1., 2.}, {3., 4.}}, {{5., 6.}, {7., 8.}}}, xg::kFloat64);
  EXPECT_EQ(t3.shape(), (xg::Shape{2, 2, 2}));
  EXPECT_EQ(t3.data<double>()(1, 0, 1), 6.0);
  const xg::Tensor t4 = xg::tensor({{{{1., 2., 3.}}}, {{{4., 5., 6.}}}}, xg::kInt64);
  EXPECT_EQ(t4.shape(), (xg::Shape{2, 1, 1, 3}));
  EXPECT_EQ(t4.data<std::int64_t>()(1, 0, 0, 2), 6);
}

}  // namespace

TEST(Factory, ScalarIsExact) {
  const std::int64_t big = std::numeric_limits<std::int64_t>::max() - 1;  // not a double
  const xg::Tensor i = xg::scalar(big);
  EXPECT_EQ(i.dtype(), xg::kInt64);
  EXPECT_EQ(i.dim(), 0u);
  EXPECT_EQ(i.data<std::int64_t>()(), big);
  EXPECT_EQ(xg::scalar(std::size_t(7)).data<std::int64_t>()(), 7);  // any integer type
  EXPECT_EQ(xg::scalar(-3).data<std::int64_t>()(), -3);
  const xg::Tensor d = xg::scalar(0.1);
  EXPECT_EQ(d.dtype(), xg::kFloat64);
  EXPECT_EQ(d.dim(), 0u);
  EXPECT_EQ(d.item(), 0.1);  // 0.1 as a double, not through float32
}
