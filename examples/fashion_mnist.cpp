// Classifies Fashion-MNIST's clothes with softmax regression, an MLP or one-vs-rest logistic
// regression: real data (Debian's dataset-fashion-mnist), mini-batches in a new random order each
// epoch, cross-entropy (or per-class binary cross-entropy), SGD or Adam. Per epoch it prints the
// mean training loss, the test loss and accuracy and the time; at the end, the confusion matrix,
// each class's accuracy and how well calibrated the probabilities are.
//
// Everything goes to --out (default out/fashion_mnist): metrics.csv, checkpoint.safetensors,
// curves.png (loss and accuracy per epoch), predictions.png (test images with the predicted and the
// true label, mistakes framed in red) and confusion.png.
//
//   fashion_mnist                                  softmax regression, SGD lr 0.1, 3 epochs (a few s)
//   fashion_mnist --model softmax --optimizer adam --lr 2e-3 --schedule cosine --epochs 10   (84.5%)
//   fashion_mnist --model mlp --optimizer adam --lr 2e-3 --schedule cosine --epochs 10       (89%)
//   fashion_mnist --model ovr --epochs 10           one-vs-rest, to compare with softmax regression
//   fashion_mnist --epochs 5 --resume               carries on from the checkpoint
//
// What to look for: softmax regression draws one hyperplane per pair of classes and stalls near
// 84%; its mistakes are shirts, T-shirts, pullovers and coats, which look alike at 28x28. The
// hidden layer of the MLP buys four more points. One-vs-rest trains ten yes/no questions that never
// compete with each other: similar accuracy, but its probabilities (normalized sigmoids) are
// less well calibrated.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>
#include <xgrad/core/blas_info.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/serialize.hpp>
#include <xgrad/data/fashion_mnist.hpp>
#include <xgrad/models/classification_metrics.hpp>
#include <xgrad/models/classifier_trainer.hpp>
#include <xgrad/plot/plot.hpp>

#include "common/cli.hpp"
#include "common/files.hpp"
#include "common/run_flags.hpp"

namespace xg = xgrad;
namespace plot = xgrad::plot;
namespace fs = std::filesystem;
namespace models = xgrad::models;
using xgrad::data::kFashionMnistClassNames;

namespace {

std::string seconds_text(double s) {
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
  return buf;
}

// A progress bar on stderr, redrawn in place when stderr is a terminal, silent otherwise.
class ProgressBar {
 public:
  void update(std::size_t done, std::size_t total, double loss, double eta_seconds) {
    if (!isatty(STDERR_FILENO) || (done != total && done % std::max<std::size_t>(1, total / 50) != 0)) return;
    const int width = 30, filled = int(width * double(done) / double(total));
    std::fprintf(stderr, "\r  [%s%s] %zu/%zu  loss %.4f  ETA %s   ", std::string(filled, '=').c_str(),
                 std::string(width - filled, ' ').c_str(), done, total, loss, seconds_text(eta_seconds).c_str());
    if (done == total) std::fprintf(stderr, "\r%*s\r", 80, "");
  }
};

// metrics.csv, rewritten whole from the trainer's history after each epoch, so a resumed run
// continues the same file.
void write_metrics(const fs::path& path, const models::ClassifierTrainer& t) {
  std::ostringstream out;
  out.precision(10);
  out << "epoch,global_step,train_loss,test_loss,test_accuracy,seconds\n";
  for (std::size_t e = 0; e < t.history().size(); ++e) {
    const models::EpochRecord& r = t.history()[e];
    out << e + 1 << ',' << (e + 1) * t.steps_per_epoch() << ',' << r.train_loss << ',' << r.test_loss << ','
        << r.test_accuracy << ',' << r.seconds << '\n';
  }
  cli::write_file(path, out.str());
}

void save_checkpoint(const models::ClassifierTrainer& t, const cli::RunFlags& identity, const fs::path& path) {
  xg::StateDict state = t.state_dict();
  identity.store(state);
  xg::save(state, path);
  if (t.step_in_epoch() > 0)
    std::printf("  checkpoint: step %zu (epoch %zu, batch %zu of %zu) -> %s\n", t.global_step(), t.epochs_done() + 1,
                t.step_in_epoch(), t.steps_per_epoch(), path.string().c_str());
  else
    std::printf("  checkpoint: step %zu (end of epoch %zu) -> %s\n", t.global_step(), t.epochs_done(),
                path.string().c_str());
  std::fflush(stdout);
}

// --- pictures ------------------------------------------------------------------------------

std::vector<std::pair<double, double>> series(const std::vector<models::EpochRecord>& h,
                                              double models::EpochRecord::*field, double scale = 1) {
  std::vector<std::pair<double, double>> points;
  for (std::size_t e = 0; e < h.size(); ++e) points.push_back({double(e + 1), h[e].*field * scale});
  return points;
}

void draw_series(plot::Canvas& img, const plot::Axes& ax, const std::vector<std::pair<double, double>>& points,
                 plot::Color c) {
  plot::polyline(img, ax, points, c, 2.5);
  for (const auto& [x, y] : points) img.disc(ax.px(x), ax.py(y), 4.5, c);
}

// Train and test loss per epoch on the left, test accuracy on the right.
void draw_curves(const std::vector<models::EpochRecord>& h, const std::string& title, const fs::path& path) {
  plot::Canvas img(1400, 690);
  double loss_max = 0, acc_min = 100, acc_max = 0;
  for (const auto& r : h) {
    loss_max = std::max({loss_max, r.train_loss, r.test_loss});
    acc_min = std::min(acc_min, 100 * r.test_accuracy);
    acc_max = std::max(acc_max, 100 * r.test_accuracy);
  }
  const double x_max = std::max<double>(2, double(h.size()));
  const plot::Axes loss{.left = 100,
                        .top = 180,
                        .width = 520,
                        .height = 400,
                        .x_min = 1,
                        .x_max = x_max,
                        .y_min = 0,
                        .y_max = loss_max * 1.1};
  draw_series(img, loss, series(h, &models::EpochRecord::train_loss), plot::kPalette[0]);
  draw_series(img, loss, series(h, &models::EpochRecord::test_loss), plot::kPalette[1]);
  loss.draw_frame(img, "epoch", "loss", "loss per epoch");
  plot::legend(img, loss.left + 20, loss.top + loss.height - 70,
               {{"train (mean over epoch)", plot::kPalette[0]}, {"test (after epoch)", plot::kPalette[1]}});

  const double lo = std::floor(acc_min - 1), hi = std::ceil(acc_max + 1);
  const plot::Axes acc{
      .left = 820, .top = 180, .width = 520, .height = 400, .x_min = 1, .x_max = x_max, .y_min = lo, .y_max = hi};
  draw_series(img, acc, series(h, &models::EpochRecord::test_accuracy, 100), plot::kPalette[2]);
  acc.draw_frame(img, "epoch", "test accuracy (%)", "test accuracy");
  img.text(40, 20, title, plot::kBlack, 3);
  img.save_png(path.string());
}

// The first `count` test images, each with "predicted / true" below; mistakes framed in red.
void draw_predictions(const xg::data::FashionMnist& test, const models::Evaluation& e, std::size_t count,
                      const std::string& title, const fs::path& path) {
  const int cols = 8, scale = 4, side = int(xg::data::kFashionMnistSide), cell_w = 150, cell_h = 170;
  const int rows = int((count + cols - 1) / cols);
  plot::Canvas img(cols * cell_w + 40, rows * cell_h + 110);
  img.text(20, 20, title, plot::kBlack, 2);
  img.text(20, 50, "under each test image: the predicted class, then the true one; red: a mistake", plot::kBlack, 2);
  const auto& pixels = test.images.data<float>();
  const auto& labels = test.labels.data<std::int64_t>();
  const plot::Color red{213, 40, 40};
  for (std::size_t i = 0; i < count; ++i) {
    const int x0 = 20 + int(i % cols) * cell_w + (cell_w - side * scale) / 2, y0 = 100 + int(i / cols) * cell_h;
    for (int r = 0; r < side; ++r)
      for (int c = 0; c < side; ++c) {
        const auto v = std::uint8_t(255 - std::lround(255 * pixels(i, std::size_t(r * side + c))));  // dark clothes
        img.fill_rect(x0 + c * scale, y0 + r * scale, x0 + (c + 1) * scale, y0 + (r + 1) * scale, {v, v, v});
      }
    const auto predicted = std::size_t(e.predictions[i]), truth = std::size_t(labels(i));
    const bool right = predicted == truth;
    if (!right)
      for (int t = 1; t <= 4; ++t) img.rect(x0 - t, y0 - t, x0 + side * scale + t, y0 + side * scale + t, red);
    const int tx = 20 + int(i % cols) * cell_w + 6, ty = y0 + side * scale + 6;
    img.text(tx, ty, kFashionMnistClassNames[predicted], right ? plot::kBlack : red, 2);
    img.text(tx, ty + 20, std::string("true: ") + kFashionMnistClassNames[truth], plot::kGray, 1);
  }
  img.save_png(path.string());
}

// Rows: true class, columns: predicted; each cell shaded by the fraction of its row.
void draw_confusion(const models::Evaluation& e, const std::string& title, const fs::path& path) {
  const int n = int(e.confusion.size()), cell = 60, left = 200, top = 150;
  const std::string note =
      "rows: true class, columns: predicted; counts shaded by their share of the row (mistakes 4x)";
  plot::Canvas img(
      std::max({left + n * cell + 60, plot::Canvas::text_width(title) + 40, plot::Canvas::text_width(note) + 40}),
      top + n * cell + 100);
  img.text(20, 20, title, plot::kBlack, 2);
  img.text(20, 60, note, plot::kBlack, 2);
  for (int r = 0; r < n; ++r) {
    std::int64_t total = 0;
    for (std::int64_t v : e.confusion[std::size_t(r)]) total += v;
    for (int c = 0; c < n; ++c) {
      const std::int64_t v = e.confusion[std::size_t(r)][std::size_t(c)];
      const double share = total ? double(v) / double(total) : 0;
      const plot::Color base = r == c ? plot::kPalette[1] : plot::kPalette[0];
      img.fill_rect(left + c * cell, top + r * cell, left + (c + 1) * cell, top + (r + 1) * cell, base,
                    std::min(1.0, r == c ? share : 4 * share));  // mistakes are rarer: shaded 4x darker
      const std::string s = std::to_string(v);
      img.text(left + c * cell + (cell - plot::Canvas::text_width(s)) / 2, top + r * cell + cell / 2 - 7, s,
               share > 0.6 ? plot::kWhite : plot::kBlack);
    }
    const std::string name = kFashionMnistClassNames[std::size_t(r)];
    img.text(left - 12 - plot::Canvas::text_width(name), top + r * cell + cell / 2 - 7, name, plot::kBlack);
  }
  for (int c = 0; c < n; ++c) {  // column labels, two lines so that they fit
    const std::string name = kFashionMnistClassNames[std::size_t(c)];
    img.text(left + c * cell + (cell - plot::Canvas::text_width(name, 1)) / 2, top + n * cell + 10 + 14 * (c % 2), name,
             plot::kBlack, 1);
  }
  img.rect(left, top, left + n * cell + 1, top + n * cell + 1, plot::kBlack);
  img.text(left + n * cell / 2 - 40, top + n * cell + 50, "predicted", plot::kBlack);
  img.save_png(path.string());
}

}  // namespace

// The largest sizes the flags may ask for.
constexpr std::size_t kMaxEpochs = 100'000, kMaxWidth = 100'000, kMaxParameters = std::size_t(1) << 28;

int main(int argc, char** argv) {
  std::string kind = "softmax", optimizer, schedule = "none", out = "out/fashion_mnist",
              data_dir = xg::data::fashion_mnist_dir().string();
  std::vector<std::size_t> hidden = {256};
  std::optional<double> lr;  // 0.1 with sgd, 1e-3 with adam; on --resume the checkpoint's
  double momentum = 0;
  std::size_t batch_size = 128, epochs = 3, train_limit = 0, test_limit = 0, checkpoint_every = 0;
  std::uint64_t seed = 0;
  bool resume = false;
  cli::Parser cli(
      "fashion_mnist",
      "Trains a classifier on Fashion-MNIST (Debian package dataset-fashion-mnist) and writes metrics.csv, "
      "checkpoint.safetensors, curves.png, predictions.png and confusion.png to --out.\n"
      "The full runs (84.5% and 89%): --model softmax (or mlp) --optimizer adam --lr 2e-3 --schedule cosine "
      "--epochs 10.\n"
      "--resume keeps the model, data, optimizer and schedule flags of the checkpoint's run (a different one is "
      "refused); --lr (without a schedule), --momentum and --epochs (without a schedule) may change (README: "
      "\"Resuming a training\").");
  cli.choice("--model", kind,
             "softmax: softmax regression 784->10; mlp: 784->hidden->10 with ReLU; ovr: one-vs-rest, ten sigmoid "
             "outputs trained with binary cross-entropy",
             {"softmax", "mlp", "ovr"});
  cli.numbers("--hidden", hidden, "the MLP's hidden layer widths", cli::between<std::size_t>(1, kMaxWidth));
  cli.choice("--optimizer", optimizer, "sgd or adam (default: sgd for softmax and ovr, adam for mlp)", {"sgd", "adam"});
  cli.number("--lr", lr,
             "learning rate (default: 0.1 with sgd, 1e-3 with adam; on --resume the checkpoint's, which this "
             "overrides without a schedule)",
             cli::above(0.0));
  cli.choice("--schedule", schedule,
             "none: a constant rate; cosine: the rate falls along half a cosine to 0 over --epochs epochs",
             {"none", "cosine"});
  cli.number("--momentum", momentum, "SGD momentum (on --resume, overrides the checkpoint's)",
             cli::between(0.0, 0.999));
  cli.number("--batch-size", batch_size, "examples per mini-batch", cli::between<std::size_t>(1, 60'000));
  cli.number("--epochs", epochs, "epochs to train in total (a resumed run counts those already done)",
             cli::between<std::size_t>(1, kMaxEpochs));
  cli.number("--seed", seed, "seed of the weights' initialization and of the shuffling");
  cli.number("--train-limit", train_limit, "use only the first N training images (0: all 60,000)",
             cli::between<std::size_t>(0, 60'000));
  cli.number("--test-limit", test_limit, "use only the first N test images (0: all 10,000)",
             cli::between<std::size_t>(0, 10'000));
  cli.text("--data-dir", data_dir, "folder of the four IDX files (also $XGRAD_FASHION_MNIST_DIR)");
  cli.out_dir("--out", out, "folder for every output (created if missing)");
  cli.number("--checkpoint-every", checkpoint_every,
             "also write the checkpoint every N optimizer steps (0: only at the end of each epoch)",
             cli::between<std::size_t>(0, std::size_t(1) << 40));
  cli.flag("--resume", resume, "continue from OUT/checkpoint.safetensors (same model, data and batch size)");
  if (auto exit = cli.parse(argc, argv)) return *exit;
  std::printf("BLAS: %s\n", xg::to_string(xg::blas_info()).c_str());
  if (optimizer.empty()) optimizer = kind == "mlp" ? "adam" : "sgd";

  return cli::guarded("fashion_mnist", [&] {
    // The model's size, before anything is allocated.
    if (kind == "mlp") {
      std::size_t parameters = 0, in = 784;
      std::string widths;
      for (std::size_t h : hidden) {
        parameters += in * h + h, in = h;
        widths += (widths.empty() ? "" : ",") + std::to_string(h);
      }
      parameters += in * 10 + 10;
      if (parameters > kMaxParameters)
        cli::fail("--hidden", widths,
                  "the MLP would have " + std::to_string(parameters) + " parameters; at most " +
                      std::to_string(kMaxParameters));
    }
    const fs::path dir(out), checkpoint = dir / "checkpoint.safetensors";
    if (const std::size_t stale = cli::remove_stale_temporaries(dir))
      std::printf("removed %zu temporary files of killed runs from %s\n", stale, dir.string().c_str());

    // What makes this run: a checkpoint of a run with other values is refused on --resume.
    cli::RunFlags identity;
    identity.add("--model", kind);
    if (kind == "mlp") {
      std::string widths;
      for (std::size_t h : hidden) widths += (widths.empty() ? "" : ",") + std::to_string(h);
      identity.add("--hidden", widths);
    }
    identity.add("--optimizer", optimizer);
    identity.add("--schedule", schedule);
    identity.add("--batch-size", std::to_string(batch_size));
    identity.add("--seed", std::to_string(seed));
    identity.add("--train-limit", std::to_string(train_limit));
    identity.add("--test-limit", std::to_string(test_limit));
    if (schedule == "cosine") {  // the schedule is drawn from them
      identity.add("--epochs", std::to_string(epochs));
      identity.add("--lr", cli::format(lr.value_or(optimizer == "adam" ? 1e-3 : 0.1)));
    }
    std::optional<xg::StateDict> resumed;
    if (resume) {
      if (!fs::exists(checkpoint)) {
        std::fprintf(stderr, "fashion_mnist: --resume: no checkpoint at %s\n", checkpoint.string().c_str());
        return 1;
      }
      resumed = xg::load(checkpoint);
      identity.check(*resumed, checkpoint.string());
    }

    std::printf("loading Fashion-MNIST from %s\n", data_dir.c_str());
    const auto train = xg::data::load_fashion_mnist(data_dir, xg::data::Split::Train, train_limit);
    const auto test = xg::data::load_fashion_mnist(data_dir, xg::data::Split::Test, test_limit);
    std::printf("  %zu training and %zu test images of 28x28\n", train.labels.numel(), test.labels.numel());

    xg::manual_seed(seed);
    auto model = models::make_classifier(kind, 784, 10, hidden);
    models::ClassifierTrainer trainer(model, train.images, train.labels,
                                      {.optimizer = optimizer,
                                       .lr = lr.value_or(optimizer == "adam" ? 1e-3 : 0.1),
                                       .momentum = momentum,
                                       .batch_size = batch_size,
                                       .schedule = schedule,
                                       .epochs = epochs});
    if (resumed) {
      trainer.load_state_dict(*resumed);
      std::printf("resumed from %s at step %zu (epochs done: %zu)\n", checkpoint.string().c_str(),
                  trainer.global_step(), trainer.epochs_done());
      // The overrides: applied, and said so.
      const double saved_lr = trainer.options().lr, saved_momentum = trainer.options().momentum;
      if (lr && *lr != saved_lr) {
        trainer.set_lr(*lr);
        std::printf("--lr %g overrides the checkpoint's %g\n", *lr, saved_lr);
      }
      if (optimizer == "sgd" && cli.given("--momentum") && momentum != saved_momentum) {
        trainer.set_momentum(momentum);
        std::printf("--momentum %g overrides the checkpoint's %g\n", momentum, saved_momentum);
      }
    }
    const double rate = trainer.options().lr;
    std::string what = kind == "mlp" ? "MLP 784" : kind == "ovr" ? "one-vs-rest 784->10" : "softmax regression 784->10";
    if (kind == "mlp") {
      for (std::size_t h : hidden) what += "->" + std::to_string(h);
      what += "->10";
    }
    const std::string setup = what + ", " + optimizer + " lr " + plot::format_number(rate) +
                              (schedule == "cosine" ? " cosine" : "") + ", batch " + std::to_string(batch_size) +
                              ", seed " + std::to_string(seed);
    std::printf("%s: %zu epochs of %zu steps\n", setup.c_str(), epochs, trainer.steps_per_epoch());
    ProgressBar bar;
    const auto start = std::chrono::steady_clock::now();
    const std::size_t first_step = trainer.global_step(), last_step = epochs * trainer.steps_per_epoch();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    auto eta = [&] {  // from this session's pace, evaluation included
      const std::size_t done = trainer.global_step() - first_step;
      return done ? elapsed() / double(done) * double(last_step - trainer.global_step()) : 0.0;
    };
    while (trainer.epochs_done() < epochs) {
      if (!trainer.epoch_finished()) {
        const double loss = trainer.step();
        bar.update(trainer.step_in_epoch(), trainer.steps_per_epoch(), loss, eta());
        if (checkpoint_every > 0 && trainer.global_step() % checkpoint_every == 0)
          save_checkpoint(trainer, identity, checkpoint);
        continue;
      }
      const models::EpochRecord r = trainer.end_epoch(models::evaluate(*model, test.images, test.labels));
      std::printf("epoch %3zu/%zu  train loss %.4f  test loss %.4f  test accuracy %.2f%%  %s  ETA %s\n",
                  trainer.epochs_done(), epochs, r.train_loss, r.test_loss, 100 * r.test_accuracy,
                  seconds_text(r.seconds).c_str(), seconds_text(eta()).c_str());
      write_metrics(dir / "metrics.csv", trainer);
      save_checkpoint(trainer, identity, checkpoint);
    }

    const models::Evaluation e = models::evaluate(*model, test.images, test.labels);
    double train_seconds = 0;
    for (const auto& r : trainer.history()) train_seconds += r.seconds;
    std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n%12s", "");
    for (std::size_t c = 0; c < 10; ++c) std::printf("%6zu", c);
    std::printf("   accuracy\n");
    const std::vector<double> per_class = e.per_class_accuracy();
    for (std::size_t r = 0; r < 10; ++r) {
      std::printf("%zu %-10s", r, kFashionMnistClassNames[r]);
      for (std::size_t c = 0; c < 10; ++c) std::printf("%6lld", static_cast<long long>(e.confusion[r][c]));
      std::printf("   %6.1f%%\n", 100 * per_class[r]);
    }
    std::printf("\ntest accuracy %.2f%% after %zu epochs; training time %s\n", 100 * e.accuracy, trainer.epochs_done(),
                seconds_text(train_seconds).c_str());
    std::printf("calibration: mean NLL %.4f, expected calibration error (15 bins) %.2f%%%s\n", e.nll, 100 * e.ece,
                kind == "ovr" ? " (probabilities: sigmoids divided by their sum)" : "");

    const std::string title =
        setup + ": " + plot::format_number(std::round(1000 * e.accuracy) / 10) + "% test accuracy";
    draw_curves(trainer.history(), setup, dir / "curves.png");
    draw_predictions(test, e, std::min<std::size_t>(40, test.labels.numel()), title, dir / "predictions.png");
    draw_confusion(e, title, dir / "confusion.png");
    std::printf("\noutputs in %s/: metrics.csv checkpoint.safetensors curves.png predictions.png confusion.png\n",
                dir.string().c_str());
    return 0;
  });
}
