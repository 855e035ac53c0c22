// Linear regression by gradient descent, step by step, checked against the closed form.
//
// The model predicts y from features x as x . w + b and is trained on the mean squared error over
// the whole data set (full-batch gradient descent): each step computes the loss, lets autograd
// find its gradient, and moves (w, b) against it. Every few steps (every step with --trace) the
// program prints the loss, the weights and the gradient's norm; at the end it prints the weights
// next to the least-squares solution LAPACK computes directly, and how far apart they are.
//
// The data are synthetic by default: x ~ N(0, 1) in --features dims, y = x . w_true + b_true plus
// Gaussian noise (w_true and b_true drawn from --seed). Or any numeric CSV: --csv FILE --target
// COLUMN, the other columns being the features. Features are standardized (mean 0, variance 1)
// unless --no-standardize: this puts every direction of the loss bowl at a similar curvature, so
// one learning rate suits them all.
//
// Everything goes to --out (default out/linear_regression): metrics.csv (one row per step),
// checkpoint.safetensors, loss.png (the loss and its distance to the minimum, log scale) and
// fit.png (the data against one feature, with the fitted line at several steps).
//
//   linear_regression                                         gradient descent meets the closed form
//   linear_regression --lr 1.2                                too large a step: divergence, reported
//   linear_regression --no-standardize --features 2 --trace   (try scaled features with --csv)
//   linear_regression --csv data.csv --target price --optimizer adam --lr 0.05 --steps 2000
//
// What to look for. On a quadratic bowl, gradient descent shrinks the error along each curvature
// direction lambda by |1 - lr lambda| per step: the distance to the minimum falls as a straight
// line on loss.png's log scale. Above lr = 2 / lambda_max (printed) that factor exceeds 1 and the
// loss grows geometrically instead: the program stops and says so.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>
#include <xgrad/core/blas_info.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/ops/elementwise.hpp>
#include <xgrad/core/ops/matmul.hpp>
#include <xgrad/core/ops/shape_ops.hpp>
#include <xgrad/core/serialize.hpp>
#include <xgrad/data/csv.hpp>
#include <xgrad/losses/mse.hpp>
#include <xgrad/models/linear_regression.hpp>
#include <xgrad/train/checkpoint.hpp>
#include <xgrad/train/linear_regression_trainer.hpp>
#include <xgrad/train/metrics_csv.hpp>

#include "common/cli.hpp"
#include "common/files.hpp"
#include "common/run_flags.hpp"
#include "plot/regression_figures.hpp"

namespace xg = xgrad;
namespace xtr = xgrad::train;
namespace fs = std::filesystem;
namespace models = xgrad::models;

namespace {

struct Dataset {
  xt::xarray<double> x;            // (N, F)
  xt::xarray<double> y;            // (N)
  std::vector<std::string> names;  // the features'
  std::string target = "y";
  std::vector<double> true_params;  // w_true, b_true for synthetic data (in raw units), else empty
};

Dataset synthetic(std::size_t n, std::size_t features, double noise, std::uint64_t seed) {
  xg::manual_seed(seed);
  Dataset d;
  const xg::Tensor w = xg::randn({features}, xg::kFloat64) * 2.0;
  const xg::Tensor b = xg::randn({1}, xg::kFloat64);
  const xg::Tensor x = xg::randn({n, features}, xg::kFloat64);
  const xg::Tensor y = xg::matmul(x, w) + b + xg::randn({n}, xg::kFloat64) * noise;
  d.x = x.data<double>();
  d.y = y.data<double>();
  for (std::size_t j = 0; j < features; ++j) d.names.push_back("x" + std::to_string(j + 1));
  d.true_params.assign(w.data<double>().begin(), w.data<double>().end());
  d.true_params.push_back(b.item());
  return d;
}

Dataset from_csv(const std::string& path, const std::string& target) {
  const xg::data::CsvTable t = xg::data::read_csv(path);
  const std::size_t ty = t.column(target), f = t.columns.size() - 1;
  if (f == 0) throw xg::Error("linear_regression: " + path + " has only the target column; no features");
  Dataset d;
  d.target = t.columns[ty];
  d.x = xt::empty<double>(xg::Shape{t.rows, f});
  d.y = xt::empty<double>(xg::Shape{t.rows});
  for (std::size_t c = 0; c < t.columns.size(); ++c)
    if (c != ty) d.names.push_back(t.columns[c]);
  for (std::size_t r = 0; r < t.rows; ++r) {
    d.y(r) = t.at(r, ty);
    for (std::size_t c = 0, j = 0; c < t.columns.size(); ++c)
      if (c != ty) d.x(r, j++) = t.at(r, c);
  }
  return d;
}

// Scales each feature to mean 0 and variance 1 in place; a constant feature is an error.
void standardize(Dataset& d) {
  const std::size_t n = d.x.shape(0);
  for (std::size_t j = 0; j < d.x.shape(1); ++j) {
    double mean = 0, var = 0;
    for (std::size_t i = 0; i < n; ++i) mean += d.x(i, j);
    mean /= double(n);
    for (std::size_t i = 0; i < n; ++i) var += (d.x(i, j) - mean) * (d.x(i, j) - mean);
    const double sd = std::sqrt(var / double(n));
    if (!(sd > 0)) throw xg::Error("linear_regression: feature '" + d.names[j] + "' is constant; drop it");
    for (std::size_t i = 0; i < n; ++i) d.x(i, j) = (d.x(i, j) - mean) / sd;
  }
}

std::string params_text(const std::vector<double>& p) {
  std::string s = "w = (";
  char buf[32];
  for (std::size_t j = 0; j + 1 < p.size(); ++j) {
    std::snprintf(buf, sizeof buf, "%s%+.6f", j ? ", " : "", p[j]);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, ")  b = %+.6f", p.back());
  return s + buf;
}

void print_step(std::size_t step, const xtr::RegressionStep& s) {
  std::printf("step %5zu  loss %-12.6g  |grad| %-11.4g  %s\n", step, s.loss, s.grad_norm,
              params_text(s.params).c_str());
}

void write_metrics(const fs::path& path, const xtr::LinearRegressionTrainer& t, const Dataset& d, double minimum) {
  std::vector<xtr::MetricsCsv::Column> columns = {
      {"step", xtr::MetricsCsv::Format::Integer}, {"loss"}, {"loss_minus_minimum"}, {"grad_norm"}};
  for (const auto& n : d.names) columns.push_back({"w_" + n});
  columns.push_back({"b"});
  xtr::MetricsCsv csv(std::move(columns), /*precision=*/17);
  for (std::size_t s = 0; s < t.history().size(); ++s) {
    const auto& h = t.history()[s];
    std::vector<double> row = {double(s), h.loss, h.loss - minimum, h.grad_norm};
    row.insert(row.end(), h.params.begin(), h.params.end());
    csv.add(std::move(row));
  }
  csv.write(path);
}

// The largest sizes the flags may ask for: a run's history keeps every step's parameters.
constexpr std::size_t kMaxSteps = 1'000'000, kMaxFeatures = 10'000, kMaxPoints = 10'000'000, kMaxValues = 100'000'000;

struct Flags {
  std::size_t n = 200, features = 3, steps = 200, print_every = 0, checkpoint_every = 0, plot_feature = 0;
  double noise = 0.5, momentum = 0.9;
  std::optional<double> lr;  // 0.1, or on --resume the checkpoint's
  std::uint64_t seed = 0;
  std::string csv, target, optimizer = "sgd", out = "out/linear_regression";
  bool trace = false, no_standardize = false, resume = false;
};

void declare(cli::Parser& cli, Flags& f) {
  cli.number("--n", f.n, "synthetic data: number of points", cli::between<std::size_t>(1, kMaxPoints));
  cli.number("--features", f.features, "synthetic data: number of features",
             cli::between<std::size_t>(1, kMaxFeatures));
  cli.number("--noise", f.noise, "synthetic data: standard deviation of the noise on y", cli::at_least(0.0));
  cli.number("--seed", f.seed, "synthetic data: random seed of the data and the true weights");
  cli.existing_file("--csv", f.csv, "read the data from a numeric CSV file instead (header optional)");
  cli.text("--target", f.target, "with --csv: the column to predict, by name or 0-based index");
  cli.needs("--target", "--csv");
  cli.flag("--no-standardize", f.no_standardize, "keep the features' own scales (slower, or a smaller --lr)");
  cli.choice("--optimizer", f.optimizer, "sgd (plain gradient descent), momentum (SGD with momentum), rmsprop or adam",
             {"sgd", "momentum", "rmsprop", "adam"});
  cli.number("--lr", f.lr, "learning rate (default 0.1; on --resume the checkpoint's, which this overrides)",
             cli::above(0.0));
  cli.number("--momentum", f.momentum, "momentum of --optimizer momentum (on --resume, overrides the checkpoint's)",
             cli::between(0.0, 0.999));
  cli.number("--steps", f.steps, "gradient-descent steps in total (a resumed run counts those already done)",
             cli::between<std::size_t>(1, kMaxSteps));
  cli.flag("--trace", f.trace, "print every step");
  cli.number("--print-every", f.print_every, "print every N steps (0: about 10 lines in all)",
             cli::between<std::size_t>(0, kMaxSteps));
  cli.number("--plot-feature", f.plot_feature, "fit.png shows the data against this feature (0-based)",
             cli::between<std::size_t>(0, kMaxFeatures - 1));
  cli.out_dir("--out", f.out, "folder for every output (created if missing)");
  cli.number("--checkpoint-every", f.checkpoint_every, "also write the checkpoint every N steps (0: only at the end)",
             cli::between<std::size_t>(0, kMaxSteps));
  cli.flag("--resume", f.resume, "continue from OUT/checkpoint.safetensors (same data and optimizer)");
}

// What makes this run: a checkpoint of a run with other values is refused on --resume.
cli::RunFlags identity_of(const Flags& f) {
  cli::RunFlags identity;
  if (f.csv.empty()) {
    identity.add("--n", std::to_string(f.n));
    identity.add("--features", std::to_string(f.features));
    identity.add("--noise", cli::format(f.noise));
    identity.add("--seed", std::to_string(f.seed));
  }
  identity.add("--csv", f.csv);
  identity.add("--target", f.target);
  identity.add("--no-standardize", f.no_standardize);
  identity.add("--optimizer", f.optimizer);
  return identity;
}

// The checkpoint's state into the trainer, then the overrides: applied, and said so.
void resume(xtr::LinearRegressionTrainer& trainer, const xtr::Checkpoint& checkpoint, const Flags& f,
            const cli::Parser& cli) {
  trainer.load_state_dict(checkpoint.entries());
  const double saved_lr = trainer.options().lr, saved_momentum = trainer.options().momentum;
  std::printf("resumed from %s at step %zu\n", checkpoint.source().c_str(), trainer.global_step());
  if (const std::string note = checkpoint.environment_note(); !note.empty()) std::printf("%s\n", note.c_str());
  if (f.lr && *f.lr != saved_lr) {
    trainer.set_lr(*f.lr);
    std::printf("--lr %g overrides the checkpoint's %g\n", *f.lr, saved_lr);
  }
  if (f.optimizer == "momentum" && cli.given("--momentum") && f.momentum != saved_momentum) {
    trainer.set_momentum(f.momentum);
    std::printf("--momentum %g overrides the checkpoint's %g\n", f.momentum, saved_momentum);
  }
}

// The least-squares solution gradient descent should reach, computed directly, and its loss.
struct ClosedForm {
  std::vector<double> params;  // w_1 ... w_F, b
  double loss = 0;
};
ClosedForm least_squares(const xg::Tensor& x, const xg::Tensor& y) {
  const models::LeastSquares ls = models::least_squares(x, y);
  ClosedForm c;
  c.params.assign(ls.weight.data<double>().begin(), ls.weight.data<double>().end());
  c.params.push_back(ls.bias);
  const xg::Tensor r = xg::matmul(x, ls.weight) + ls.bias - y;
  c.loss = (r * r).mean().item();
  return c;
}

// The bookkeeping around the loop: the step lines, the checkpoints, and at the end metrics.csv,
// the two figures and the comparison with the closed form.
class Report {
 public:
  Report(const Flags& f, const xtr::LinearRegressionTrainer& t, const Dataset& d, const ClosedForm& best,
         cli::RunFlags identity)
      : f_(f),
        t_(t),
        d_(d),
        best_(best),
        identity_(std::move(identity)),
        dir_(f.out),
        every_(f.trace             ? 1
               : f.print_every > 0 ? f.print_every
                                   : std::max<std::size_t>(1, f.steps / 10)) {
    std::printf("%s, lr %g; plain gradient descent is stable for lr < 2 / lambda_max = %.4g\n", f.optimizer.c_str(),
                t.options().lr, t.lr_limit());
  }

  void step(const xtr::RegressionStep& s) {
    const std::size_t done = t_.global_step() - 1;  // the step just taken, counted from 0
    if (done % every_ == 0) print_step(done, s);
    if (f_.checkpoint_every > 0 && t_.global_step() % f_.checkpoint_every == 0) save_checkpoint();
  }
  void diverged(const xtr::DivergenceError& e) {
    print_step(t_.global_step() - 1, t_.history().back());
    divergence_ = e.what();
  }

  // Returns the exit code: 3 when the run diverged.
  int finish(const xtr::LinearRegressionTrainer& trainer) {
    const bool diverged = !divergence_.empty();
    const std::size_t f = d_.x.shape(1);
    std::string title = f_.optimizer + ", lr " + plot::format_number(t_.options().lr) + ", " +
                        std::to_string(d_.x.shape(0)) + " points, " + std::to_string(f) + " features";
    if (diverged)
      title += ": DIVERGED at step " + std::to_string(t_.global_step()) +
               " (lr above 2 / lambda_max = " + plot::format_number(t_.lr_limit()) + ")";
    write_metrics(dir_ / "metrics.csv", t_, d_, best_.loss);
    if (!t_.history().empty()) {
      plot::draw_loss(t_, best_.loss, title, dir_ / "loss.png");
      plot::draw_fit(t_, {d_.x, d_.y, d_.names, d_.target}, best_.params, f_.plot_feature, title, dir_ / "fit.png");
    }
    if (diverged) {
      std::printf("\nDIVERGED: %s\n(see %s)\n", divergence_.c_str(), (dir_ / "loss.png").string().c_str());
      return 3;
    }
    save_checkpoint();

    // The parameters now, after the last step, and the loss at these same parameters.
    const std::vector<double> p = trainer.params();
    const double loss = trainer.loss();
    const std::vector<double>& best = best_.params;
    std::printf("\n%-14s %16s %16s %12s%s\n", "parameter", "gradient descent", "least squares", "difference",
                d_.true_params.empty() || !f_.no_standardize ? "" : "        true");
    double diff2 = 0, norm2 = 0;
    for (std::size_t k = 0; k <= f; ++k) {
      const std::string name = k < f ? "w_" + d_.names[k] : "b";
      std::printf("%-14s %16.10g %16.10g %12.3g", name.c_str(), p[k], best[k], p[k] - best[k]);
      if (!d_.true_params.empty() && f_.no_standardize) std::printf(" %12.6f", d_.true_params[k]);
      std::printf("\n");
      diff2 += (p[k] - best[k]) * (p[k] - best[k]);
      norm2 += best[k] * best[k];
    }
    const double relative = std::sqrt(diff2 / std::max(norm2, 1e-300));
    std::printf("loss %.10g after %zu steps (least squares %.10g)\n", loss, t_.global_step(), best_.loss);
    std::printf("relative distance |theta_gd - theta_ls| / |theta_ls| = %.3g: %s\n", relative,
                relative <= 1e-6 ? "gradient descent reached the closed form (<= 1e-6)"
                                 : "not yet within 1e-6 of the closed form (more --steps, or another --lr)");
    std::printf("\noutputs in %s/: metrics.csv checkpoint.safetensors loss.png fit.png\n", dir_.string().c_str());
    return 0;
  }

 private:
  void save_checkpoint() const {
    const fs::path path = dir_ / "checkpoint.safetensors";
    xtr::Checkpoint state(t_.state_dict());
    identity_.store(state);
    state.write(path);
    std::printf("  checkpoint: step %zu -> %s\n", t_.global_step(), path.string().c_str());
    std::fflush(stdout);
  }

  const Flags& f_;
  const xtr::LinearRegressionTrainer& t_;
  const Dataset& d_;
  const ClosedForm& best_;
  cli::RunFlags identity_;
  fs::path dir_;
  std::size_t every_;
  std::string divergence_;
};

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  cli::Parser cli("linear_regression",
                  "Fits y = x . w + b by full-batch gradient descent on the mean squared error, printing the loss, "
                  "weights and gradient norm as it goes, then compares with the closed-form least-squares solution "
                  "(xtensor-blas lstsq). Writes metrics.csv, checkpoint.safetensors, loss.png and fit.png to --out.\n"
                  "--resume keeps the data and optimizer flags of the checkpoint's run (a different one is refused); "
                  "--lr, --momentum and --steps may change (README: \"Resuming a training\").");
  declare(cli, f);
  if (auto exit = cli.parse(argc, argv)) return *exit;
  std::printf("BLAS: %s\n", xg::to_string(xg::blas_info()).c_str());

  return cli::guarded("linear_regression", [&] {
    if (!f.csv.empty() && f.target.empty()) cli::fail("--csv", f.csv, "needs --target COLUMN");
    if (f.csv.empty() && f.n * f.features > kMaxValues)
      cli::fail("--n", std::to_string(f.n) + " --features " + std::to_string(f.features),
                std::to_string(f.n * f.features) + " values; at most " + std::to_string(kMaxValues));
    const fs::path checkpoint = fs::path(f.out) / "checkpoint.safetensors";
    if (const std::size_t stale = cli::remove_stale_temporaries(f.out))
      std::printf("removed %zu temporary files of killed runs from %s\n", stale, f.out.c_str());
    const cli::RunFlags identity = identity_of(f);
    std::optional<xtr::Checkpoint> resumed;
    if (f.resume) {
      if (!fs::exists(checkpoint)) {
        std::fprintf(stderr, "linear_regression: --resume: no checkpoint at %s\n", checkpoint.string().c_str());
        return 1;
      }
      resumed = xtr::Checkpoint::read(checkpoint);
      identity.check(*resumed);
    }

    // The data: x (N, F) and y (N), synthetic or from --csv, features standardized.
    Dataset d = f.csv.empty() ? synthetic(f.n, f.features, f.noise, f.seed) : from_csv(f.csv, f.target);
    if (!f.no_standardize) standardize(d);
    if (f.plot_feature >= d.x.shape(1))
      cli::fail("--plot-feature", std::to_string(f.plot_feature),
                "there are " + std::to_string(d.x.shape(1)) + " features");
    const xg::Tensor x = xg::from_xarray(d.x), y = xg::from_xarray(d.y);
    std::printf("%zu points, %zu features%s, target %s\n", d.x.shape(0), d.x.shape(1),
                f.no_standardize ? "" : " (standardized)", d.target.c_str());
    const ClosedForm best = least_squares(x, y);  // the answer gradient descent should reach

    // The model y = x . w + b, from w = 0, b = 0; the loss is the mean squared error.
    auto model = std::make_shared<models::LinearRegression>(d.x.shape(1));
    // The optimizer (as --optimizer says, train/optimizer_factory.hpp) and the history of every
    // step live in the trainer, which a checkpoint saves and restores.
    xtr::LinearRegressionTrainer trainer(model, x, y,
                                         {.optimizer = f.optimizer, .lr = f.lr.value_or(0.1), .momentum = f.momentum});
    xg::optim::Optimizer& optimizer = trainer.optimizer();
    if (resumed) resume(trainer, *resumed, f, cli);

    Report report(f, trainer, d, best, identity);
    while (trainer.global_step() < f.steps) {
      // One step of gradient descent on the whole data set.
      optimizer.zero_grad();
      xg::Tensor loss = xg::losses::mse_loss(model->forward(x), y);
      loss.backward();
      try {
        trainer.record(loss);  // keeps loss, |grad| and (w, b) before the update; checks for divergence
      } catch (const xtr::DivergenceError& e) {
        report.diverged(e);
        break;
      }
      optimizer.step();
      report.step(trainer.history().back());
    }
    return report.finish(trainer);
  });
}
