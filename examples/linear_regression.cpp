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

}  // namespace

// The largest sizes the flags may ask for: a run's history keeps every step's parameters.
constexpr std::size_t kMaxSteps = 1'000'000, kMaxFeatures = 10'000, kMaxPoints = 10'000'000, kMaxValues = 100'000'000;

int main(int argc, char** argv) {
  std::size_t n = 200, features = 3, steps = 200, print_every = 0, checkpoint_every = 0, plot_feature = 0;
  double noise = 0.5, momentum = 0.9;
  std::optional<double> lr;  // 0.1, or on --resume the checkpoint's
  std::uint64_t seed = 0;
  std::string csv, target, optimizer = "sgd", out = "out/linear_regression";
  bool trace = false, no_standardize = false, resume = false;
  cli::Parser cli("linear_regression",
                  "Fits y = x . w + b by full-batch gradient descent on the mean squared error, printing the loss, "
                  "weights and gradient norm as it goes, then compares with the closed-form least-squares solution "
                  "(xtensor-blas lstsq). Writes metrics.csv, checkpoint.safetensors, loss.png and fit.png to --out.\n"
                  "--resume keeps the data and optimizer flags of the checkpoint's run (a different one is refused); "
                  "--lr, --momentum and --steps may change (README: \"Resuming a training\").");
  cli.number("--n", n, "synthetic data: number of points", cli::between<std::size_t>(1, kMaxPoints));
  cli.number("--features", features, "synthetic data: number of features", cli::between<std::size_t>(1, kMaxFeatures));
  cli.number("--noise", noise, "synthetic data: standard deviation of the noise on y", cli::at_least(0.0));
  cli.number("--seed", seed, "synthetic data: random seed of the data and the true weights");
  cli.existing_file("--csv", csv, "read the data from a numeric CSV file instead (header optional)");
  cli.text("--target", target, "with --csv: the column to predict, by name or 0-based index");
  cli.needs("--target", "--csv");
  cli.flag("--no-standardize", no_standardize, "keep the features' own scales (slower, or a smaller --lr)");
  cli.choice("--optimizer", optimizer, "sgd (plain gradient descent), momentum (SGD with momentum), rmsprop or adam",
             {"sgd", "momentum", "rmsprop", "adam"});
  cli.number("--lr", lr, "learning rate (default 0.1; on --resume the checkpoint's, which this overrides)",
             cli::above(0.0));
  cli.number("--momentum", momentum, "momentum of --optimizer momentum (on --resume, overrides the checkpoint's)",
             cli::between(0.0, 0.999));
  cli.number("--steps", steps, "gradient-descent steps in total (a resumed run counts those already done)",
             cli::between<std::size_t>(1, kMaxSteps));
  cli.flag("--trace", trace, "print every step");
  cli.number("--print-every", print_every, "print every N steps (0: about 10 lines in all)",
             cli::between<std::size_t>(0, kMaxSteps));
  cli.number("--plot-feature", plot_feature, "fit.png shows the data against this feature (0-based)",
             cli::between<std::size_t>(0, kMaxFeatures - 1));
  cli.out_dir("--out", out, "folder for every output (created if missing)");
  cli.number("--checkpoint-every", checkpoint_every, "also write the checkpoint every N steps (0: only at the end)",
             cli::between<std::size_t>(0, kMaxSteps));
  cli.flag("--resume", resume, "continue from OUT/checkpoint.safetensors (same data and optimizer)");
  if (auto exit = cli.parse(argc, argv)) return *exit;
  std::printf("BLAS: %s\n", xg::to_string(xg::blas_info()).c_str());

  return cli::guarded("linear_regression", [&] {
    if (!csv.empty() && target.empty()) cli::fail("--csv", csv, "needs --target COLUMN");
    if (csv.empty() && n * features > kMaxValues)
      cli::fail("--n", std::to_string(n) + " --features " + std::to_string(features),
                std::to_string(n * features) + " values; at most " + std::to_string(kMaxValues));
    const fs::path dir(out), checkpoint = dir / "checkpoint.safetensors";
    if (const std::size_t stale = cli::remove_stale_temporaries(dir))
      std::printf("removed %zu temporary files of killed runs from %s\n", stale, dir.string().c_str());

    // What makes this run: a checkpoint of a run with other values is refused on --resume.
    cli::RunFlags identity;
    if (csv.empty()) {
      identity.add("--n", std::to_string(n));
      identity.add("--features", std::to_string(features));
      identity.add("--noise", cli::format(noise));
      identity.add("--seed", std::to_string(seed));
    }
    identity.add("--csv", csv);
    identity.add("--target", target);
    identity.add("--no-standardize", no_standardize);
    identity.add("--optimizer", optimizer);
    std::optional<xtr::Checkpoint> resumed;
    if (resume) {
      if (!fs::exists(checkpoint)) {
        std::fprintf(stderr, "linear_regression: --resume: no checkpoint at %s\n", checkpoint.string().c_str());
        return 1;
      }
      resumed = xtr::Checkpoint::read(checkpoint);
      identity.check(*resumed);
    }

    Dataset d = csv.empty() ? synthetic(n, features, noise, seed) : from_csv(csv, target);
    if (!no_standardize) standardize(d);
    const std::size_t f = d.x.shape(1);
    if (plot_feature >= f)
      cli::fail("--plot-feature", std::to_string(plot_feature), "there are " + std::to_string(f) + " features");
    const xg::Tensor x = xg::from_xarray(d.x), y = xg::from_xarray(d.y);
    std::printf("%zu points, %zu features%s, target %s\n", d.x.shape(0), f, no_standardize ? "" : " (standardized)",
                d.target.c_str());

    // The answer gradient descent should reach, computed directly.
    const models::LeastSquares ls = models::least_squares(x, y);
    std::vector<double> best(ls.weight.data<double>().begin(), ls.weight.data<double>().end());
    best.push_back(ls.bias);
    double minimum = 0;
    {
      const xg::Tensor r = xg::matmul(x, ls.weight) + ls.bias - y;
      minimum = (r * r).mean().item();
    }

    auto model = std::make_shared<models::LinearRegression>(f);
    xtr::LinearRegressionTrainer trainer(model, x, y,
                                         {.optimizer = optimizer, .lr = lr.value_or(0.1), .momentum = momentum});
    if (resumed) {
      trainer.load_state_dict(resumed->entries());
      const double saved_lr = trainer.options().lr, saved_momentum = trainer.options().momentum;
      std::printf("resumed from %s at step %zu\n", checkpoint.string().c_str(), trainer.global_step());
      if (const std::string note = resumed->environment_note(); !note.empty()) std::printf("%s\n", note.c_str());
      // The overrides: applied, and said so.
      if (lr && *lr != saved_lr) {
        trainer.set_lr(*lr);
        std::printf("--lr %g overrides the checkpoint's %g\n", *lr, saved_lr);
      }
      if (optimizer == "momentum" && cli.given("--momentum") && momentum != saved_momentum) {
        trainer.set_momentum(momentum);
        std::printf("--momentum %g overrides the checkpoint's %g\n", momentum, saved_momentum);
      }
    }
    xg::optim::Optimizer& opt = trainer.optimizer();  // as --optimizer says (train/optimizer_factory.hpp)
    const double rate = trainer.options().lr;
    std::printf("%s, lr %g; plain gradient descent is stable for lr < 2 / lambda_max = %.4g\n", optimizer.c_str(), rate,
                trainer.lr_limit());
    auto save_checkpoint = [&] {
      xtr::Checkpoint state(trainer.state_dict());
      identity.store(state);
      state.write(checkpoint);
      std::printf("  checkpoint: step %zu -> %s\n", trainer.global_step(), checkpoint.string().c_str());
      std::fflush(stdout);
    };

    const std::size_t every = trace ? 1 : print_every > 0 ? print_every : std::max<std::size_t>(1, steps / 10);
    bool diverged = false;
    std::string divergence;
    while (trainer.global_step() < steps) {
      try {
        // One step of gradient descent on the whole data set.
        opt.zero_grad();
        xg::Tensor loss = xg::losses::mse_loss(model->forward(x), y);
        loss.backward();
        const xtr::RegressionStep& s = trainer.record(loss);  // loss, |grad|, (w, b); throws on divergence
        opt.step();
        const std::size_t done = trainer.global_step() - 1;  // the step just taken, counted from 0
        if (done % every == 0) print_step(done, s);
      } catch (const xtr::DivergenceError& e) {
        print_step(trainer.global_step() - 1, trainer.history().back());
        diverged = true;
        divergence = e.what();
        break;
      }
      if (checkpoint_every > 0 && trainer.global_step() % checkpoint_every == 0) save_checkpoint();
    }

    std::string title = optimizer + ", lr " + plot::format_number(rate) + ", " + std::to_string(d.x.shape(0)) +
                        " points, " + std::to_string(f) + " features";
    if (diverged)
      title += ": DIVERGED at step " + std::to_string(trainer.global_step()) +
               " (lr above 2 / lambda_max = " + plot::format_number(trainer.lr_limit()) + ")";
    write_metrics(dir / "metrics.csv", trainer, d, minimum);
    if (!trainer.history().empty()) {
      plot::draw_loss(trainer, minimum, title, dir / "loss.png");
      plot::draw_fit(trainer, {d.x, d.y, d.names, d.target}, best, plot_feature, title, dir / "fit.png");
    }
    if (diverged) {
      std::printf("\nDIVERGED: %s\n(see %s)\n", divergence.c_str(), (dir / "loss.png").string().c_str());
      return 3;
    }
    save_checkpoint();

    // The parameters now, after the last step, and the loss at these same parameters.
    const std::vector<double> p = trainer.params();
    const double loss = trainer.loss();
    std::printf("\n%-14s %16s %16s %12s%s\n", "parameter", "gradient descent", "least squares", "difference",
                d.true_params.empty() || !no_standardize ? "" : "        true");
    double diff2 = 0, norm2 = 0;
    for (std::size_t k = 0; k <= f; ++k) {
      const std::string name = k < f ? "w_" + d.names[k] : "b";
      std::printf("%-14s %16.10g %16.10g %12.3g", name.c_str(), p[k], best[k], p[k] - best[k]);
      if (!d.true_params.empty() && no_standardize) std::printf(" %12.6f", d.true_params[k]);
      std::printf("\n");
      diff2 += (p[k] - best[k]) * (p[k] - best[k]);
      norm2 += best[k] * best[k];
    }
    const double relative = std::sqrt(diff2 / std::max(norm2, 1e-300));
    std::printf("loss %.10g after %zu steps (least squares %.10g)\n", loss, trainer.global_step(), minimum);
    std::printf("relative distance |theta_gd - theta_ls| / |theta_ls| = %.3g: %s\n", relative,
                relative <= 1e-6 ? "gradient descent reached the closed form (<= 1e-6)"
                                 : "not yet within 1e-6 of the closed form (more --steps, or another --lr)");
    std::printf("\noutputs in %s/: metrics.csv checkpoint.safetensors loss.png fit.png\n", dir.string().c_str());
    return 0;
  });
}
