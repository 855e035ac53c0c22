// The small float32 gemm behind matmul and linear (core/detail/small_gemm.hpp), on each of its paths
// (AVX-512 where the CPU has it, the portable loops everywhere): against a naive reference
// accumulated in double and against cblas_sgemm, for the three layouts matmul and linear use,
// beta 0 and 1, sizes around the vector width and the register tiles; NaN and Inf as BLAS
// propagates them; and through xg::linear at the shapes of the Fashion-MNIST softmax regression.
//
// Tolerance, for every element: |got - exact| <= (k + 2) * FLT_EPSILON * (Σ_p |a_ip b_pj| + |beta c_ij|),
// the rounding bound of a float sum of k products; a product dropped or counted twice is off by
// about 1/k of the magnitude and fails it.
#include <cblas.h>
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "../helpers.hpp"
#include "xgrad/core/detail/blas_threads.hpp"
#include "xgrad/core/detail/small_gemm.hpp"

namespace {

using xg::detail::SmallGemmPath;

// The layouts matmul and linear ask for: op(A) = A or Aᵀ, op(B) = B or Bᵀ.
struct Layout {
  bool ta, tb;
  const char* name;
};
constexpr Layout kLayouts[] = {{false, false, "A B"}, {false, true, "A Bt"}, {true, false, "At B"}};

std::vector<SmallGemmPath> paths() {
  std::vector<SmallGemmPath> out{SmallGemmPath::kPortable};
  if (xg::detail::small_gemm_has_avx512()) out.push_back(SmallGemmPath::kAvx512);
  return out;
}

const char* path_name(SmallGemmPath path) { return path == SmallGemmPath::kAvx512 ? "avx512" : "portable"; }

// Forces a path for the lifetime of a test, then back to the automatic choice.
class ForcePath {
 public:
  explicit ForcePath(SmallGemmPath path) { xg::detail::set_small_gemm_path(path); }
  ~ForcePath() { xg::detail::set_small_gemm_path(SmallGemmPath::kAuto); }
};

// A product's operands as stored: A is (m, k), or (k, m) when transposed; B (k, n) or (n, k).
struct Problem {
  Layout layout;
  std::size_t m, n, k;
  std::vector<float> a, b, c;
  float a_at(std::size_t i, std::size_t p) const { return layout.ta ? a[p * m + i] : a[i * k + p]; }
  float b_at(std::size_t p, std::size_t j) const { return layout.tb ? b[j * k + p] : b[p * n + j]; }
};

Problem random_problem(Layout layout, std::size_t m, std::size_t n, std::size_t k, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  Problem p{layout, m, n, k, std::vector<float>(m * k), std::vector<float>(k * n), std::vector<float>(m * n)};
  for (float& x : p.a) x = uniform(gen);
  for (float& x : p.b) x = uniform(gen);
  for (float& x : p.c) x = uniform(gen);
  return p;
}

std::vector<float> run_small(const Problem& p, float beta) {
  std::vector<float> c = p.c;
  xg::detail::small_sgemm(p.layout.ta, p.layout.tb, p.m, p.n, p.k, p.a.data(), p.b.data(), beta, c.data());
  return c;
}

std::vector<float> run_cblas(const Problem& p, float beta) {
  std::vector<float> c = p.c;
  const xg::detail::SingleThreadedBlas single;
  cblas_sgemm(CblasRowMajor, p.layout.ta ? CblasTrans : CblasNoTrans, p.layout.tb ? CblasTrans : CblasNoTrans, int(p.m),
              int(p.n), int(p.k), 1.0f, p.a.data(), int(std::max<std::size_t>(1, p.layout.ta ? p.m : p.k)), p.b.data(),
              int(std::max<std::size_t>(1, p.layout.tb ? p.k : p.n)), beta, c.data(),
              int(std::max<std::size_t>(1, p.n)));
  return c;
}

// Checks `got` against the product in double, element by element, within the rounding bound.
void expect_close_to_exact(const Problem& p, float beta, const std::vector<float>& got, const std::string& what) {
  int reported = 0;
  for (std::size_t i = 0; i < p.m; ++i)
    for (std::size_t j = 0; j < p.n; ++j) {
      double exact = 0, magnitude = 0;
      for (std::size_t q = 0; q < p.k; ++q) {
        const double product = double(p.a_at(i, q)) * double(p.b_at(q, j));
        exact += product;
        magnitude += std::abs(product);
      }
      if (beta != 0) {
        exact += double(beta) * p.c[i * p.n + j];
        magnitude += std::abs(double(beta) * p.c[i * p.n + j]);
      }
      const double bound = double(p.k + 2) * FLT_EPSILON * magnitude;
      const double error = std::abs(double(got[i * p.n + j]) - exact);
      if (!(error <= bound) && reported++ < 3)
        ADD_FAILURE() << what << " " << p.layout.name << " m " << p.m << " n " << p.n << " k " << p.k << " beta "
                      << beta << ": C(" << i << ", " << j << ") = " << got[i * p.n + j] << ", exact " << exact
                      << ", error " << error << " > bound " << bound;
    }
}

class SmallGemm : public ::testing::TestWithParam<SmallGemmPath> {};

TEST_P(SmallGemm, MatchesDoubleReferenceAndCblas) {
  const ForcePath force(GetParam());
  const std::size_t sizes[] = {1, 3, 10, 15, 16, 17, 31, 33, 128};
  unsigned seed = 1;
  for (const Layout& layout : kLayouts)
    for (std::size_t m : sizes)
      for (std::size_t n : sizes)
        for (std::size_t k : sizes) {
          const Problem p = random_problem(layout, m, n, k, seed++);
          for (float beta : {0.0f, 1.0f}) {
            const std::vector<float> got = run_small(p, beta);
            expect_close_to_exact(p, beta, got, path_name(GetParam()));
            expect_close_to_exact(p, beta, run_cblas(p, beta), "cblas_sgemm");
            if (::testing::Test::HasFailure()) return;  // one shape's report is enough
          }
        }
}

// The shapes of the Fashion-MNIST models (784 inputs, 10 classes, batch 128, 256 hidden) and
// sizes with tails in every direction.
TEST_P(SmallGemm, TrainingShapesAndLongTails) {
  const ForcePath force(GetParam());
  const std::size_t shapes[][3] = {{128, 10, 784}, {10, 784, 128}, {128, 784, 10}, {128, 10, 256}, {10, 256, 128},
                                   {128, 256, 10}, {17, 33, 784},  {784, 17, 33},  {33, 784, 17},  {16, 1000, 130}};
  unsigned seed = 1000;
  for (const Layout& layout : kLayouts)
    for (const auto& s : shapes) {
      const Problem p = random_problem(layout, s[0], s[1], s[2], seed++);
      for (float beta : {0.0f, 1.0f, -0.5f}) expect_close_to_exact(p, beta, run_small(p, beta), path_name(GetParam()));
    }
}

// Every element sums its products in the same order whatever register tile computes it: a
// product computed whole equals, bit for bit, its rows computed one at a time (tiles of one row).
TEST_P(SmallGemm, ElementsDoNotDependOnTheTiling) {
  const ForcePath force(GetParam());
  for (const Layout& layout : kLayouts) {
    const Problem p = random_problem(layout, 23, 37, 300, 7);
    const std::vector<float> whole = run_small(p, 0.0f);
    for (std::size_t i = 0; i < p.m; ++i) {
      Problem row = random_problem(layout, 1, p.n, p.k, 8);
      for (std::size_t q = 0; q < p.k; ++q) row.a[q] = p.a_at(i, q);
      row.b = p.b;
      const std::vector<float> alone = run_small(row, 0.0f);
      for (std::size_t j = 0; j < p.n; ++j)
        ASSERT_EQ(alone[j], whole[i * p.n + j]) << layout.name << " row " << i << " column " << j;
    }
  }
}

// With beta 0, C is output only: NaN in it must not leak into the result (BLAS's rule).
TEST_P(SmallGemm, BetaZeroDoesNotReadC) {
  const ForcePath force(GetParam());
  for (const Layout& layout : kLayouts) {
    Problem p = random_problem(layout, 17, 33, 20, 9);
    std::fill(p.c.begin(), p.c.end(), std::numeric_limits<float>::quiet_NaN());
    expect_close_to_exact(p, 0.0f, run_small(p, 0.0f), path_name(GetParam()));
  }
}

// NaN and Inf in the operands reach exactly the elements IEEE arithmetic says, as in the
// reference: a NaN in A poisons its row of C, an Inf in B gives ±Inf in its column, or NaN where
// it meets a zero or an Inf of the other sign.
TEST_P(SmallGemm, PropagatesNanAndInf) {
  const ForcePath force(GetParam());
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (const Layout& layout : kLayouts) {
    Problem p = random_problem(layout, 19, 35, 40, 10);
    auto a_ref = [&](std::size_t i, std::size_t q) -> float& {
      return layout.ta ? p.a[q * p.m + i] : p.a[i * p.k + q];
    };
    auto b_ref = [&](std::size_t q, std::size_t j) -> float& {
      return layout.tb ? p.b[j * p.k + q] : p.b[q * p.n + j];
    };
    for (std::size_t i = 0; i < p.m; ++i) {
      a_ref(i, 7) = a_ref(i, 39) = 0.5f;           // meet the infinities below with a known sign
      a_ref(i, 12) = (i % 2 == 0) ? 1.0f : -1.0f;  // and with either sign
    }
    a_ref(2, 5) = nan;
    b_ref(7, 3) = inf;
    b_ref(39, 34) = -inf;
    a_ref(4, 7) = 0.0f;   // 0 * Inf: NaN at (4, 3)
    a_ref(6, 39) = 0.0f;  // and at (6, 34)
    b_ref(11, 20) = inf;  // with the next, Inf - Inf at (i, 20) where A's signs differ
    b_ref(12, 20) = inf;
    for (float beta : {0.0f, 1.0f}) {
      const std::vector<float> got = run_small(p, beta);
      for (std::size_t i = 0; i < p.m; ++i)
        for (std::size_t j = 0; j < p.n; ++j) {
          double exact = beta != 0 ? double(p.c[i * p.n + j]) : 0.0;
          for (std::size_t q = 0; q < p.k; ++q) exact += double(p.a_at(i, q)) * double(p.b_at(q, j));
          const float value = got[i * p.n + j];
          if (std::isnan(exact))
            EXPECT_TRUE(std::isnan(value)) << layout.name << " (" << i << ", " << j << ") = " << value;
          else if (std::isinf(exact))
            EXPECT_EQ(value, float(exact)) << layout.name << " (" << i << ", " << j << ")";
          else
            EXPECT_TRUE(std::isfinite(value)) << layout.name << " (" << i << ", " << j << ") = " << value;
        }
      // the cases are all there: a NaN row, both infinities, Inf - Inf
      EXPECT_TRUE(std::isnan(got[2 * p.n + 0]));
      EXPECT_EQ(got[0 * p.n + 3], inf);
      EXPECT_TRUE(std::isnan(got[4 * p.n + 3]));
      EXPECT_TRUE(std::isnan(got[6 * p.n + 34]));
      EXPECT_EQ(got[8 * p.n + 34], -inf);
    }
  }
}

// Empty products: k = 0 gives beta C (zeros for beta 0), m or n = 0 writes nothing.
TEST_P(SmallGemm, EmptyProducts) {
  const ForcePath force(GetParam());
  for (const Layout& layout : kLayouts) {
    Problem p = random_problem(layout, 5, 20, 0, 11);
    EXPECT_EQ(run_small(p, 0.0f), std::vector<float>(100, 0.0f)) << layout.name;
    EXPECT_EQ(run_small(p, 1.0f), p.c) << layout.name;
    // as BLAS, no operand is read when C is empty
    xg::detail::small_sgemm(layout.ta, layout.tb, 0, 20, 7, nullptr, nullptr, 0.0f, nullptr);
    xg::detail::small_sgemm(layout.ta, layout.tb, 5, 0, 7, nullptr, nullptr, 0.0f, nullptr);
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, SmallGemm, ::testing::ValuesIn(paths()),
                         [](const auto& info) { return std::string(path_name(info.param)); });

TEST(SmallGemmDispatch, BothTransposedIsRefused) {
  const float x = 1.0f;
  float y = 0.0f;
  EXPECT_ERROR(xg::detail::small_sgemm(true, true, 1, 1, 1, &x, &x, 0.0f, &y), "small_sgemm", "both", "transposed");
  EXPECT_FALSE(xg::detail::small_gemm_wins(true, true, 10, 784, 128));
}

// On an AVX-512 machine the Fashion-MNIST Linear(784, 10) products take the kernel (so the tests
// below exercise it through xg::linear); a square product stays with BLAS.
TEST(SmallGemmDispatch, SkinnyProductsTakeTheKernel) {
  if (!xg::detail::small_gemm_has_avx512()) GTEST_SKIP() << "no AVX-512: every product goes to BLAS";
  EXPECT_TRUE(xg::detail::small_gemm_wins(false, true, 128, 10, 784));  // forward x Wᵀ
  EXPECT_TRUE(xg::detail::small_gemm_wins(true, false, 10, 784, 128));  // dW = dyᵀ x
  EXPECT_TRUE(xg::detail::small_gemm_wins(false, true, 128, 10, 256));  // the MLP's second layer
  EXPECT_TRUE(xg::detail::small_gemm_wins(true, false, 10, 256, 128));
  EXPECT_FALSE(xg::detail::small_gemm_wins(false, false, 256, 256, 256));
  EXPECT_FALSE(xg::detail::small_gemm_wins(false, true, 128, 128, 10));  // dot products of length 10
  const ForcePath portable(SmallGemmPath::kPortable);
  EXPECT_FALSE(xg::detail::small_gemm_wins(false, true, 128, 10, 784));
}

// xg::linear in float32 at the softmax regression's shapes, forward and backward, against the same
// computation in float64, on each path; and bit for bit the same with 1 or 2 BLAS threads.
xg::Tensor linear_loss(const xg::Tensor& x, const xg::Tensor& w, const xg::Tensor& b, const xg::Tensor& upstream) {
  return (xg::linear(x, w, b) * upstream).sum();
}

TEST(SmallGemmDispatch, LinearFloat32MatchesFloat64OnEachPath) {
  xg::manual_seed(21);
  const xg::Tensor x64 = xg::randn({128, 784}, xg::kFloat64), w64 = xg::randn({10, 784}, xg::kFloat64) * 0.05;
  const xg::Tensor b64 = xg::randn({10}, xg::kFloat64), up64 = xg::randn({128, 10}, xg::kFloat64);
  std::vector<xg::Tensor> ref{x64.detach().requires_grad_(), w64.detach().requires_grad_(),
                              b64.detach().requires_grad_()};
  const xg::Tensor y64 = xg::linear(ref[0], ref[1], ref[2]);
  linear_loss(ref[0], ref[1], ref[2], up64).backward();
  for (SmallGemmPath path : paths()) {
    const ForcePath force(path);
    std::vector<xg::Tensor> in{x64.to(xg::kFloat32).requires_grad_(), w64.to(xg::kFloat32).requires_grad_(),
                               b64.to(xg::kFloat32).requires_grad_()};
    const xg::Tensor y = xg::linear(in[0], in[1], in[2]);
    linear_loss(in[0], in[1], in[2], up64.to(xg::kFloat32)).backward();
    const std::pair<xg::Tensor, xg::Tensor> pairs[] = {
        {y, y64}, {in[0].grad(), ref[0].grad()}, {in[1].grad(), ref[1].grad()}, {in[2].grad(), ref[2].grad()}};
    for (const auto& [got, want] : pairs) {
      const std::vector<double> g = values(got), e = values(want);
      ASSERT_EQ(g.size(), e.size());
      double worst = 0;
      for (std::size_t i = 0; i < g.size(); ++i) worst = std::max(worst, std::abs(g[i] - e[i]) / (1 + std::abs(e[i])));
      EXPECT_LT(worst, 2e-5) << path_name(path);
    }
  }
}

TEST(SmallGemmDispatch, LinearIsTheSameWithOneOrTwoThreads) {
  xg::manual_seed(22);
  const xg::Tensor x = xg::randn({128, 784}), w = xg::randn({10, 784}), b = xg::randn({10}), up = xg::randn({128, 10});
  auto run = [&](int threads) {
    const int previous = openblas_get_num_threads();
    openblas_set_num_threads(threads);
    std::vector<xg::Tensor> in{x.detach().requires_grad_(), w.detach().requires_grad_(), b.detach().requires_grad_()};
    const xg::Tensor y = xg::linear(in[0], in[1], in[2]);
    linear_loss(in[0], in[1], in[2], up).backward();
    openblas_set_num_threads(previous);
    return std::vector<std::vector<double>>{values(y), values(in[0].grad()), values(in[1].grad()),
                                            values(in[2].grad())};
  };
  EXPECT_EQ(run(1), run(2));
}

}  // namespace
