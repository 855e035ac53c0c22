// batch_norm (core/ops/batch_norm.hpp): gradcheck, a naive double-precision reference, the running
// statistics, the same bits for 1 and 2 threads, every error, and PyTorch's
// torch.nn.functional.batch_norm (tests/fixtures/nn/batch_norm.json, from
// make_batch_norm_fixtures.py next to it).
#include <cblas.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "../helpers.hpp"

namespace {

// --- the reference: plain loops in double ----------------------------------------------------

struct Reference {
  std::vector<double> y, dx, dw, db, running_mean, running_var;
};

// y = (x - mean) / sqrt(var + eps) w + b per channel; in training mean and var are the batch's
// (var biased) and the running statistics move toward them (var unbiased), in eval they are the
// running ones. Backward, with xhat = (x - mean) invstd:
//   db = Σ dy, dw = Σ dy xhat, dx = w invstd / n (n dy - Σ dy - xhat Σ dy xhat) in training,
//   dx = w invstd dy in eval.
Reference reference(const xg::Tensor& x, const xg::Tensor& dy, const std::vector<double>& w,
                    const std::vector<double>& b, std::vector<double> rm, std::vector<double> rv, bool training,
                    double momentum, double eps) {
  const xg::Shape s = x.shape();
  const std::size_t n = s[0], c = s[1], inner = x.numel() / (n * c);
  const std::vector<double> xv = values(x), g = values(dy);
  auto at = [&](std::size_t i, std::size_t ch, std::size_t k) { return (i * c + ch) * inner + k; };
  Reference r{std::vector<double>(xv.size()), std::vector<double>(xv.size()), {}, {}, {}, {}};
  for (std::size_t ch = 0; ch < c; ++ch) {
    const double count = double(n * inner);
    // Sums in long double: a plain double sum of 16k values near 1000 is itself off by ~1e-11.
    long double sum = 0, squares = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < inner; ++k) sum += xv[at(i, ch, k)];
    const double mean = double(sum / count);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < inner; ++k)
        squares += (long double)(xv[at(i, ch, k)] - mean) * (xv[at(i, ch, k)] - mean);
    const double var = double(squares / count);
    if (training && !rm.empty()) {
      rm[ch] = (1 - momentum) * rm[ch] + momentum * mean;
      rv[ch] = (1 - momentum) * rv[ch] + momentum * var * count / (count - 1);
    }
    const double mu = training ? mean : rm[ch], invstd = 1 / std::sqrt((training ? var : rv[ch]) + eps);
    const double wc = w.empty() ? 1.0 : w[ch], bc = b.empty() ? 0.0 : b[ch];
    long double sdy_sum = 0, sdyxhat_sum = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < inner; ++k) {
        const std::size_t j = at(i, ch, k);
        const double xhat = (xv[j] - mu) * invstd;
        r.y[j] = xhat * wc + bc;
        sdy_sum += g[j];
        sdyxhat_sum += (long double)g[j] * xhat;
      }
    const double sdy = double(sdy_sum), sdyxhat = double(sdyxhat_sum);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < inner; ++k) {
        const std::size_t j = at(i, ch, k);
        const double xhat = (xv[j] - mu) * invstd;
        r.dx[j] = training ? wc * invstd / count * (count * g[j] - sdy - xhat * sdyxhat) : wc * invstd * g[j];
      }
    r.db.push_back(sdy);
    r.dw.push_back(sdyxhat);
  }
  r.running_mean = rm;
  r.running_var = rv;
  return r;
}

// |got - want| <= tol max(1, |want|) for every value.
void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_LE(std::abs(got[i] - want[i]), tol * std::max(1.0, std::abs(want[i])))
        << what << "[" << i << "]: got " << got[i] << ", want " << want[i];
}

// --- gradcheck ---------------------------------------------------------------------------------

TEST(BatchNormOp, GradcheckTrainingAndEval) {
  xg::manual_seed(71);
  for (const xg::Shape& shape : {xg::Shape{5, 3}, xg::Shape{3, 4, 2}, xg::Shape{3, 3, 2, 3}})
    for (bool training : {true, false})
      for (bool affine : {true, false}) {
        SCOPED_TRACE(xg::to_string(shape) + (training ? " training" : " eval") + (affine ? " affine" : ""));
        const std::size_t c = shape[1];
        const xg::Tensor rm = xg::randn({c}, xg::kFloat64), rv = xg::rand({c}, xg::kFloat64) + 0.5;
        std::vector<xg::Tensor> inputs{leaf(shape)};
        if (affine) inputs.insert(inputs.end(), {leaf({c}, 0.5, 1.5), leaf({c})});
        // Training without running statistics: gradcheck calls the op many times, each would move them.
        expect_gradcheck(
            [&](const std::vector<xg::Tensor>& in) {
              const xg::Tensor w = affine ? in[1] : xg::Tensor(), b = affine ? in[2] : xg::Tensor();
              return xg::batch_norm(in[0], training ? xg::Tensor() : rm, training ? xg::Tensor() : rv, w, b, training);
            },
            inputs);
      }
}

// --- against the double reference -------------------------------------------------------------

struct RunResult {
  std::vector<double> y, dx, dw, db, running_mean, running_var;
};

// Runs batch_norm in `dtype` on float64 values and backpropagates dy.
RunResult run(const xg::Tensor& x64, const xg::Tensor& dy64, const xg::Tensor& w64, const xg::Tensor& b64,
              const xg::Tensor& rm64, const xg::Tensor& rv64, bool training, double momentum, double eps,
              xg::Dtype dtype) {
  auto cast = [&](const xg::Tensor& t, bool grad) {
    if (!t.defined()) return xg::Tensor();
    xg::Tensor r = t.to(dtype).detach();
    return grad ? r.requires_grad_() : r;
  };
  xg::Tensor x = cast(x64, true), w = cast(w64, true), b = cast(b64, true);
  xg::Tensor rm = cast(rm64, false), rv = cast(rv64, false);
  xg::Tensor y = xg::batch_norm(x, rm, rv, w, b, training, momentum, eps);
  y.backward(dy64.to(dtype));
  RunResult r{values(y), values(x.grad()), {}, {}, {}, {}};
  if (w.defined()) r.dw = values(w.grad()), r.db = values(b.grad());
  if (rm.defined()) r.running_mean = values(rm), r.running_var = values(rv);
  return r;
}

void expect_matches_reference(const xg::Shape& shape, bool training, bool affine, xg::Dtype dtype, double tol,
                              double offset = 3.0) {
  SCOPED_TRACE(xg::to_string(shape) + (training ? " training" : " eval") + (affine ? " affine " : " ") +
               xg::dtype_name(dtype) + " offset " + std::to_string(offset));
  const std::size_t c = shape[1];
  // Mean away from 0 and var away from 1, so that a missing term shows.
  const xg::Tensor x = (xg::randn(shape, xg::kFloat64) * 2.0 + offset).to(dtype).to(xg::kFloat64);
  const xg::Tensor dy = xg::randn(shape, xg::kFloat64).to(dtype).to(xg::kFloat64);
  const xg::Tensor w = affine ? (xg::rand({c}, xg::kFloat64) + 0.5).to(dtype).to(xg::kFloat64) : xg::Tensor();
  const xg::Tensor b = affine ? xg::randn({c}, xg::kFloat64).to(dtype).to(xg::kFloat64) : xg::Tensor();
  const xg::Tensor rm = xg::randn({c}, xg::kFloat64).to(dtype).to(xg::kFloat64);
  const xg::Tensor rv = (xg::rand({c}, xg::kFloat64) + 0.5).to(dtype).to(xg::kFloat64);
  const double momentum = 0.2, eps = 1e-5;
  const RunResult got = run(x, dy, w, b, rm, rv, training, momentum, eps, dtype);
  const Reference want =
      reference(x, dy, affine ? values(w) : std::vector<double>{}, affine ? values(b) : std::vector<double>{},
                values(rm), values(rv), training, momentum, eps);
  expect_close(got.y, want.y, tol, "y");
  expect_close(got.dx, want.dx, tol, "dx");
  if (affine) {
    // dw and db are sums over n values: compare against the sum of magnitudes' scale.
    expect_close(got.dw, want.dw, tol * std::sqrt(double(x.numel() / c)), "dw");
    expect_close(got.db, want.db, tol * std::sqrt(double(x.numel() / c)), "db");
  }
  expect_close(got.running_mean, want.running_mean, tol, "running_mean");
  expect_close(got.running_var, want.running_var, tol, "running_var");
}

TEST(BatchNormOp, Float64MatchesDoubleReference) {
  xg::manual_seed(72);
  for (const xg::Shape& shape : {xg::Shape{7, 3}, xg::Shape{4, 5, 9}, xg::Shape{3, 4, 5, 7}, xg::Shape{4, 8, 16, 16}})
    for (bool training : {true, false})
      for (bool affine : {true, false}) expect_matches_reference(shape, training, affine, xg::kFloat64, 1e-12);
}

// float32 at tiny YOLO's shapes (and odd ones, for the SIMD tails): within a few float32 ulps of
// the double reference computed on the same float32 inputs.
TEST(BatchNormOp, Float32MatchesDoubleReference) {
  xg::manual_seed(73);
  for (const xg::Shape& shape :
       {xg::Shape{16, 16, 32, 32}, xg::Shape{16, 64, 8, 8}, xg::Shape{5, 3, 7, 3}, xg::Shape{9, 5}})
    for (bool training : {true, false}) expect_matches_reference(shape, training, true, xg::kFloat32, 2e-6);
}

// A mean 500 spreads away from 0. A variance taken as E[x²] - mean² would lose it to
// cancellation (in float32, ~1e-2 off); the mean-then-spread passes must not. In float32 the mean
// of values near 1000 is itself off by a few 1e-6 of a spread (measured 4.4e-6 on y), hence 2e-5.
TEST(BatchNormOp, LargeMeanKeepsTheVariance) {
  xg::manual_seed(75);
  for (const xg::Shape& shape : {xg::Shape{16, 16, 32, 32}, xg::Shape{9, 5}}) {
    expect_matches_reference(shape, true, true, xg::kFloat64, 1e-12, 1000.0);
    expect_matches_reference(shape, true, true, xg::kFloat32, 2e-5, 1000.0);
  }
}

// --- running statistics -------------------------------------------------------------------------

TEST(BatchNormOp, RunningStatisticsMoveByMomentumWithUnbiasedVar) {
  // Channel 0 holds 1, 2, 3, 6 (two images of (1, 2)): mean 3, biased var 3.5, unbiased 14 / 3.
  // From running (1, 2) with momentum 0.25: mean 0.75 1 + 0.25 3 = 1.5,
  // var 0.75 2 + 0.25 14 / 3 = 8 / 3. Eval leaves them alone.
  const xg::Tensor x = xg::tensor({{{1.0, 2.0}}, {{3.0, 6.0}}}, xg::kFloat64);  // (2, 1, 2)
  xg::Tensor rm = xg::tensor({1.0}, xg::kFloat64), rv = xg::tensor({2.0}, xg::kFloat64);
  xg::batch_norm(x, rm, rv, {}, {}, true, 0.25);
  EXPECT_DOUBLE_EQ(rm.item(), 1.5);
  EXPECT_DOUBLE_EQ(rv.item(), 8.0 / 3.0);
  xg::batch_norm(x, rm, rv, {}, {}, false, 0.25);
  EXPECT_DOUBLE_EQ(rm.item(), 1.5);
  EXPECT_DOUBLE_EQ(rv.item(), 8.0 / 3.0);
  // momentum 0 keeps them, 1 replaces them.
  xg::batch_norm(x, rm, rv, {}, {}, true, 0.0);
  EXPECT_DOUBLE_EQ(rm.item(), 1.5);
  xg::batch_norm(x, rm, rv, {}, {}, true, 1.0);
  EXPECT_DOUBLE_EQ(rm.item(), 3.0);
  EXPECT_DOUBLE_EQ(rv.item(), 14.0 / 3.0);
  // The running statistics never get a graph, even when they require grad.
  EXPECT_FALSE(rm.requires_grad());
}

// --- threads -----------------------------------------------------------------------------------

TEST(BatchNormOp, SameBitsForOneAndTwoThreads) {
  const int saved = openblas_get_num_threads();
  xg::manual_seed(74);
  const xg::Tensor x0 = xg::randn({16, 16, 32, 32}) * 2.0 + 1.0, dy = xg::randn({16, 16, 32, 32});
  const xg::Tensor w0 = xg::rand({16}) + 0.5, b0 = xg::randn({16});
  std::optional<RunResult> first[2];  // per training flag, from the 1-thread run
  for (int threads : {1, 2}) {
    openblas_set_num_threads(threads);
    for (bool training : {true, false}) {
      SCOPED_TRACE(std::to_string(threads) + (training ? " threads, training" : " threads, eval"));
      xg::Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_(), b = b0.detach().requires_grad_();
      xg::Tensor rm = xg::zeros({16}), rv = xg::ones({16});
      xg::Tensor y = xg::batch_norm(x, rm, rv, w, b, training);
      y.backward(dy);
      const RunResult r{values(y), values(x.grad()), values(w.grad()), values(b.grad()), values(rm), values(rv)};
      std::optional<RunResult>& want = first[training];
      if (!want) {
        want = r;
        continue;
      }
      EXPECT_EQ(r.y, want->y);
      EXPECT_EQ(r.dx, want->dx);
      EXPECT_EQ(r.dw, want->dw);
      EXPECT_EQ(r.db, want->db);
      EXPECT_EQ(r.running_mean, want->running_mean);
      EXPECT_EQ(r.running_var, want->running_var);
    }
  }
  openblas_set_num_threads(saved);
}

// --- errors ------------------------------------------------------------------------------------

TEST(BatchNormOp, Errors) {
  const xg::Tensor x = xg::zeros({2, 3, 4}), c3 = xg::ones({3});
  EXPECT_ERROR(xg::batch_norm(xg::zeros({3}), {}, {}, {}, {}, true), "batch_norm", "at least 2 dims", "(3)");
  EXPECT_ERROR(xg::batch_norm(x, xg::zeros({4}), c3), "batch_norm", "running_mean", "(4)", "3 channels");
  EXPECT_ERROR(xg::batch_norm(x, c3, xg::ones({2, 3})), "batch_norm", "running_var", "(2, 3)", "3 channels");
  EXPECT_ERROR(xg::batch_norm(x, c3, c3, xg::ones({2})), "batch_norm", "weight", "(2)", "3 channels");
  EXPECT_ERROR(xg::batch_norm(x, c3, c3, c3, xg::ones({5})), "batch_norm", "bias", "(5)", "3 channels");
  EXPECT_ERROR(xg::batch_norm(x, c3, c3, xg::ones({3}, xg::kFloat64)), "batch_norm", "weight", "float64", "float32");
  EXPECT_ERROR(xg::batch_norm(x, xg::zeros({3}, xg::kFloat64), c3), "batch_norm", "running_mean", "float64");
  EXPECT_ERROR(xg::batch_norm(xg::zeros({2, 3}, xg::kInt64), {}, {}, {}, {}, true), "batch_norm", "int64");
  EXPECT_ERROR(xg::batch_norm(xg::zeros({1, 3, 1}), {}, {}, {}, {}, true), "batch_norm",
               "Expected more than 1 value per channel when training", "(1, 3, 1)");
  EXPECT_ERROR(xg::batch_norm(x, {}, {}), "batch_norm", "eval", "running_mean");
  EXPECT_ERROR(xg::batch_norm(x, c3, {}), "batch_norm", "running_mean and running_var");
  EXPECT_ERROR(xg::batch_norm(x, c3, c3, {}, {}, false, 0.1, -1e-3), "batch_norm", "eps", "-0.001");
  EXPECT_ERROR(xg::batch_norm(x, c3, c3, {}, {}, true, 1.5), "batch_norm", "momentum", "1.5");
  EXPECT_ERROR(xg::batch_norm(x, c3, c3, {}, {}, true, -0.5), "batch_norm", "momentum", "-0.5");
  EXPECT_ERROR(xg::batch_norm(x, c3, xg::tensor({1.0f, -2.0f, 1.0f})), "batch_norm", "running_var[1] = -2");
  EXPECT_ERROR(xg::batch_norm(xg::Tensor(), c3, c3), "batch_norm", "undefined");
  // One value per channel is fine in eval, and so are empty batches and channels.
  EXPECT_EQ(xg::batch_norm(xg::zeros({1, 3, 1}), c3, c3).shape(), (xg::Shape{1, 3, 1}));
  EXPECT_EQ(xg::batch_norm(xg::zeros({0, 3, 2}), c3, c3).shape(), (xg::Shape{0, 3, 2}));
  EXPECT_EQ(xg::batch_norm(xg::zeros({4, 0, 2}), {}, {}, {}, {}, true).shape(), (xg::Shape{4, 0, 2}));
}

// --- PyTorch -----------------------------------------------------------------------------------

using json = nlohmann::json;

xg::Tensor from_json(const json& t, xg::Dtype dtype) {
  const auto shape = t.at("shape").get<xg::Shape>();
  const auto data = t.at("data").get<std::vector<double>>();
  xt::xarray<double> a = xt::empty<double>(shape);
  EXPECT_EQ(a.size(), data.size());
  std::copy(data.begin(), data.end(), a.begin());
  return xg::from_xarray(a).to(dtype);
}

// float64 cases to 1e-12; float32 ones to 1e-5 of max(1, |value|): PyTorch sums in float32 in
// its own order, we in float lanes and double totals.
TEST(BatchNormOp, MatchesPyTorch) {
  std::ifstream in(XGRAD_FIXTURES "/nn/batch_norm.json");
  ASSERT_TRUE(in) << "missing " XGRAD_FIXTURES "/nn/batch_norm.json";
  const json cases = json::parse(in);
  ASSERT_GE(cases.size(), 6u);
  for (const json& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const bool f64 = c.at("dtype") == "float64";
    const xg::Dtype dtype = f64 ? xg::kFloat64 : xg::kFloat32;
    const double tol = f64 ? 1e-12 : 1e-5;
    const json& args = c.at("args");
    const bool affine = args.at("affine"), running = args.at("running");
    xg::Tensor x = from_json(c.at("x"), dtype).requires_grad_();
    xg::Tensor w = affine ? from_json(c.at("weight"), dtype).requires_grad_() : xg::Tensor();
    xg::Tensor b = affine ? from_json(c.at("bias"), dtype).requires_grad_() : xg::Tensor();
    xg::Tensor rm = running ? from_json(c.at("running_mean"), dtype) : xg::Tensor();
    xg::Tensor rv = running ? from_json(c.at("running_var"), dtype) : xg::Tensor();
    xg::Tensor y = xg::batch_norm(x, rm, rv, w, b, args.at("training"), args.at("momentum"), args.at("eps"));
    y.backward(from_json(c.at("upstream"), dtype));
    auto want = [&](const char* key) { return values(from_json(c.at(key), xg::kFloat64)); };
    expect_close(values(y), want("output"), tol, "output");
    expect_close(values(x.grad()), want("grad_x"), tol, "grad_x");
    if (affine) {
      expect_close(values(w.grad()), want("grad_weight"), tol, "grad_weight");
      expect_close(values(b.grad()), want("grad_bias"), tol, "grad_bias");
    }
    if (running) {
      expect_close(values(rm), want("running_mean_after"), tol, "running_mean");
      expect_close(values(rv), want("running_var_after"), tol, "running_var");
    }
  }
}

}  // namespace
