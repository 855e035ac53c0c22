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
#include <xgrad/train/checkpoint.hpp>
#include <xgrad/train/classifier_trainer.hpp>
#include <xgrad/train/metrics_csv.hpp>
#include <xgrad/train/progress.hpp>

#include "common/cli.hpp"
#include "common/data_parallel.hpp"
#include "common/files.hpp"
#include "common/run_flags.hpp"
#include "plot/classifier_figures.hpp"

namespace xg = xgrad;
namespace xtr = xgrad::train;
namespace fs = std::filesystem;
namespace models = xgrad::models;
using xgrad::data::kFashionMnistClassNames;

namespace {

// The largest sizes the flags may ask for.
constexpr std::size_t kMaxEpochs = 100'000, kMaxWidth = 100'000, kMaxParameters = std::size_t(1) << 28;

struct Flags {
  std::string kind = "softmax", optimizer, schedule = "none", out = "out/fashion_mnist",
              data_dir = xg::data::fashion_mnist_dir().string();
  std::vector<std::size_t> hidden = {256};
  std::optional<double> lr;  // 0.1 with sgd, 1e-3 with adam; on --resume the checkpoint's
  double momentum = 0;
  std::size_t batch_size = 128, epochs = 3, train_limit = 0, test_limit = 0, checkpoint_every = 0;
  std::uint64_t seed = 0;
  bool resume = false;
  double rate() const { return lr.value_or(optimizer == "adam" ? 1e-3 : 0.1); }
  std::string widths() const {
    std::string w;
    for (std::size_t h : hidden) w += (w.empty() ? "" : ",") + std::to_string(h);
    return w;
  }
};

void declare(cli::Parser& cli, Flags& f) {
  cli.choice("--model", f.kind,
             "softmax: softmax regression 784->10; mlp: 784->hidden->10 with ReLU; ovr: one-vs-rest, ten sigmoid "
             "outputs trained with binary cross-entropy",
             {"softmax", "mlp", "ovr"});
  cli.numbers("--hidden", f.hidden, "the MLP's hidden layer widths", cli::between<std::size_t>(1, kMaxWidth));
  cli.choice("--optimizer", f.optimizer, "sgd or adam (default: sgd for softmax and ovr, adam for mlp)",
             {"sgd", "adam"});
  cli.number("--lr", f.lr,
             "learning rate (default: 0.1 with sgd, 1e-3 with adam; on --resume the checkpoint's, which this "
             "overrides without a schedule)",
             cli::above(0.0));
  cli.choice("--schedule", f.schedule,
             "none: a constant rate; cosine: the rate falls along half a cosine to 0 over --epochs epochs",
             {"none", "cosine"});
  cli.number("--momentum", f.momentum, "SGD momentum (on --resume, overrides the checkpoint's)",
             cli::between(0.0, 0.999));
  cli.number("--batch-size", f.batch_size, "examples per mini-batch", cli::between<std::size_t>(1, 60'000));
  cli.number("--epochs", f.epochs, "epochs to train in total (a resumed run counts those already done)",
             cli::between<std::size_t>(1, kMaxEpochs));
  cli.number("--seed", f.seed, "seed of the weights' initialization and of the shuffling");
  cli.number("--train-limit", f.train_limit, "use only the first N training images (0: all 60,000)",
             cli::between<std::size_t>(0, 60'000));
  cli.number("--test-limit", f.test_limit, "use only the first N test images (0: all 10,000)",
             cli::between<std::size_t>(0, 10'000));
  cli.text("--data-dir", f.data_dir, "folder of the four IDX files (also $XGRAD_FASHION_MNIST_DIR)");
  cli.out_dir("--out", f.out, "folder for every output (created if missing)");
  cli.number("--checkpoint-every", f.checkpoint_every,
             "also write the checkpoint every N optimizer steps (0: only at the end of each epoch)",
             cli::between<std::size_t>(0, std::size_t(1) << 40));
  cli.flag("--resume", f.resume, "continue from OUT/checkpoint.safetensors (same model, data and batch size)");
}

// The model's size, before anything is allocated.
void check_model_size(const Flags& f) {
  if (f.kind != "mlp") return;
  std::size_t parameters = 0, in = 784;
  for (std::size_t h : f.hidden) parameters += in * h + h, in = h;
  parameters += in * 10 + 10;
  if (parameters > kMaxParameters)
    cli::fail(
        "--hidden", f.widths(),
        "the MLP would have " + std::to_string(parameters) + " parameters; at most " + std::to_string(kMaxParameters));
}

// What makes this run: a checkpoint of a run with other values is refused on --resume.
cli::RunFlags identity_of(const Flags& f, const cli::DataParallel& dp) {
  cli::RunFlags identity;
  // Each rank's share of a batch, so the rounding of the gradients' sums, depends on it.
  identity.add("mpirun -np", std::to_string(dp.world_size()), "world_size");
  identity.add("--model", f.kind);
  if (f.kind == "mlp") identity.add("--hidden", f.widths());
  identity.add("--optimizer", f.optimizer);
  identity.add("--schedule", f.schedule);
  identity.add("--batch-size", std::to_string(f.batch_size));
  identity.add("--seed", std::to_string(f.seed));
  identity.add("--train-limit", std::to_string(f.train_limit));
  identity.add("--test-limit", std::to_string(f.test_limit));
  if (f.schedule == "cosine") {  // the schedule is drawn from them
    identity.add("--epochs", std::to_string(f.epochs));
    identity.add("--lr", cli::format(f.rate()));
  }
  return identity;
}

// The checkpoint's state into the trainer, then the overrides: applied, and said so.
void resume(xtr::ClassifierTrainer& trainer, const xtr::Checkpoint& checkpoint, const Flags& f,
            const cli::Parser& cli) {
  trainer.load_state_dict(checkpoint.entries());
  std::printf("resumed from %s at step %zu (epochs done: %zu)\n", checkpoint.source().c_str(), trainer.global_step(),
              trainer.epochs_done());
  if (const std::string note = checkpoint.environment_note(); !note.empty()) std::printf("%s\n", note.c_str());
  const double saved_lr = trainer.options().lr, saved_momentum = trainer.options().momentum;
  if (f.lr && *f.lr != saved_lr) {
    trainer.set_lr(*f.lr);
    std::printf("--lr %g overrides the checkpoint's %g\n", *f.lr, saved_lr);
  }
  if (f.optimizer == "sgd" && cli.given("--momentum") && f.momentum != saved_momentum) {
    trainer.set_momentum(f.momentum);
    std::printf("--momentum %g overrides the checkpoint's %g\n", f.momentum, saved_momentum);
  }
}

// The bookkeeping around the loop: the progress bar and ETA, the epoch lines, metrics.csv
// (rewritten whole from the trainer's history after each epoch, so a resumed run continues the
// same file) and the checkpoints.
class Report {
 public:
  Report(const Flags& f, const xtr::ClassifierTrainer& trainer, cli::RunFlags identity, bool writes)
      : f_(f),
        t_(trainer),
        writes_(writes),
        identity_(std::move(identity)),
        dir_(f.out),
        timer_(trainer.global_step(), f.epochs * trainer.steps_per_epoch()) {
    std::string what = f.kind == "mlp"   ? "MLP 784"
                       : f.kind == "ovr" ? "one-vs-rest 784->10"
                                         : "softmax regression 784->10";
    if (f.kind == "mlp") {
      for (std::size_t h : f.hidden) what += "->" + std::to_string(h);
      what += "->10";
    }
    setup_ = what + ", " + f.optimizer + " lr " + plot::format_number(trainer.options().lr) +
             (f.schedule == "cosine" ? " cosine" : "") + ", batch " + std::to_string(f.batch_size) + ", seed " +
             std::to_string(f.seed);
    std::printf("%s: %zu epochs of %zu steps\n", setup_.c_str(), f.epochs, trainer.steps_per_epoch());
  }

  void step(double loss) {
    if (!writes_) return;
    char tail[64];
    std::snprintf(tail, sizeof tail, "loss %.4f  ETA %s", loss, xtr::duration_text(eta()).c_str());
    bar_.update("  ", t_.step_in_epoch(), t_.steps_per_epoch(), tail);
    if (f_.checkpoint_every > 0 && t_.global_step() % f_.checkpoint_every == 0) save_checkpoint();
  }

  void epoch(const xtr::EpochRecord& r) {
    std::printf("epoch %3zu/%zu  train loss %.4f  test loss %.4f  test accuracy %.2f%%  %s  ETA %s\n", t_.epochs_done(),
                f_.epochs, r.train_loss, r.test_loss, 100 * r.test_accuracy, xtr::duration_text(r.seconds).c_str(),
                xtr::duration_text(eta()).c_str());
    write_metrics();
    save_checkpoint();
  }

  // The confusion matrix, per-class accuracy and calibration of the final model, and the figures.
  void finish(const models::Evaluation& e, const xg::data::FashionMnist& test) const {
    if (!writes_) return;
    double train_seconds = 0;
    for (const auto& r : t_.history()) train_seconds += r.seconds;
    std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n%12s", "");
    for (std::size_t c = 0; c < 10; ++c) std::printf("%6zu", c);
    std::printf("   accuracy\n");
    const std::vector<double> per_class = e.per_class_accuracy();
    for (std::size_t r = 0; r < 10; ++r) {
      std::printf("%zu %-10s", r, kFashionMnistClassNames[r]);
      for (std::size_t c = 0; c < 10; ++c) std::printf("%6lld", static_cast<long long>(e.confusion[r][c]));
      std::printf("   %6.1f%%\n", 100 * per_class[r]);
    }
    std::printf("\ntest accuracy %.2f%% after %zu epochs; training time %s\n", 100 * e.accuracy, t_.epochs_done(),
                xtr::duration_text(train_seconds).c_str());
    std::printf("calibration: mean NLL %.4f, expected calibration error (15 bins) %.2f%%%s\n", e.nll, 100 * e.ece,
                f_.kind == "ovr" ? " (probabilities: sigmoids divided by their sum)" : "");

    const std::string title =
        setup_ + ": " + plot::format_number(std::round(1000 * e.accuracy) / 10) + "% test accuracy";
    plot::draw_curves(t_.history(), setup_, dir_ / "curves.png");
    plot::draw_predictions(test, e, std::min<std::size_t>(40, test.labels.numel()), title, dir_ / "predictions.png");
    plot::draw_confusion(e, title, dir_ / "confusion.png");
    std::printf("\noutputs in %s/: metrics.csv checkpoint.safetensors curves.png predictions.png confusion.png\n",
                dir_.string().c_str());
  }

 private:
  double eta() const { return timer_.seconds_left(t_.global_step()); }

  void write_metrics() const {
    using F = xtr::MetricsCsv::Format;
    xtr::MetricsCsv csv({{"epoch", F::Integer},
                         {"global_step", F::Integer},
                         {"train_loss"},
                         {"test_loss"},
                         {"test_accuracy"},
                         {"seconds"}},
                        /*precision=*/10);
    for (std::size_t e = 0; e < t_.history().size(); ++e) {
      const xtr::EpochRecord& r = t_.history()[e];
      csv.add({double(e + 1), double((e + 1) * t_.steps_per_epoch()), r.train_loss, r.test_loss, r.test_accuracy,
               r.seconds});
    }
    csv.write(dir_ / "metrics.csv");
  }

  void save_checkpoint() const {
    const fs::path path = dir_ / "checkpoint.safetensors";
    xtr::Checkpoint state(t_.state_dict());
    identity_.store(state);
    state.write(path);
    if (t_.step_in_epoch() > 0)
      std::printf("  checkpoint: step %zu (epoch %zu, batch %zu of %zu) -> %s\n", t_.global_step(),
                  t_.epochs_done() + 1, t_.step_in_epoch(), t_.steps_per_epoch(), path.string().c_str());
    else
      std::printf("  checkpoint: step %zu (end of epoch %zu) -> %s\n", t_.global_step(), t_.epochs_done(),
                  path.string().c_str());
    std::fflush(stdout);
  }

  const Flags& f_;
  const xtr::ClassifierTrainer& t_;
  bool writes_;  // rank 0 (or the only process)
  cli::RunFlags identity_;
  fs::path dir_;
  std::string setup_;
  xtr::ProgressBar bar_{stderr};
  xtr::Eta timer_;
};

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  cli::Parser cli(
      "fashion_mnist",
      "Trains a classifier on Fashion-MNIST (Debian package dataset-fashion-mnist) and writes metrics.csv, "
      "checkpoint.safetensors, curves.png, predictions.png and confusion.png to --out.\n"
      "The full runs (84.5% and 89%): --model softmax (or mlp) --optimizer adam --lr 2e-3 --schedule cosine "
      "--epochs 10.\n"
      "--resume keeps the model, data, optimizer and schedule flags of the checkpoint's run (a different one is "
      "refused); --lr (without a schedule), --momentum and --epochs (without a schedule) may change (README: "
      "\"Resuming a training\").");
  declare(cli, f);
  if (auto exit = cli.parse(argc, argv)) return *exit;
  cli::DataParallel dp(&argc, &argv);  // N ranks under mpirun -np N (README: "On several processes")
  std::printf("BLAS: %s\n", xg::to_string(xg::blas_info()).c_str());
  if (f.optimizer.empty()) f.optimizer = f.kind == "mlp" ? "adam" : "sgd";

  return cli::guarded("fashion_mnist", [&] {
    check_model_size(f);
    const fs::path checkpoint = fs::path(f.out) / "checkpoint.safetensors";
    if (const std::size_t stale = dp.writes() ? cli::remove_stale_temporaries(f.out) : 0)
      std::printf("removed %zu temporary files of killed runs from %s\n", stale, f.out.c_str());
    const cli::RunFlags identity = identity_of(f, dp);
    std::optional<xtr::Checkpoint> resumed;
    if (f.resume) {
      if (!fs::exists(checkpoint)) {
        std::fprintf(stderr, "fashion_mnist: --resume: no checkpoint at %s\n", checkpoint.string().c_str());
        return 1;
      }
      resumed = xtr::Checkpoint::read(checkpoint);
      identity.check(*resumed);  // before the data are read
    }

    // The data: 28x28 grey images (pixels in [0, 1], flattened to 784) and their labels 0..9.
    // The training images stay bytes, a quarter of the memory, and each batch is converted as it
    // is drawn (data/byte_images.hpp); the test set is converted once.
    std::printf("loading Fashion-MNIST from %s\n", f.data_dir.c_str());
    const auto train = xg::data::load_fashion_mnist_bytes(f.data_dir, xg::data::Split::Train, f.train_limit);
    const auto test = xg::data::load_fashion_mnist(f.data_dir, xg::data::Split::Test, f.test_limit);
    std::printf("  %zu training and %zu test images of 28x28\n", train.labels.numel(), test.labels.numel());

    // The model, with its loss: cross-entropy for softmax and mlp, per-class BCE for ovr.
    xg::manual_seed(f.seed);
    auto model = models::make_classifier(f.kind, 784, 10, f.hidden);
    // The optimizer (and the cosine schedule) and the shuffled mini-batches live in the trainer,
    // with the counts and the history a checkpoint keeps (train/classifier_trainer.hpp).
    xtr::ClassifierTrainer trainer(model, train.images, train.labels,
                                   {.optimizer = f.optimizer,
                                    .lr = f.rate(),
                                    .momentum = f.momentum,
                                    .batch_size = f.batch_size,
                                    .schedule = f.schedule,
                                    .epochs = f.epochs});
    xg::optim::Optimizer& optimizer = trainer.optimizer();
    if (resumed) resume(trainer, *resumed, f, cli);
    dp.wrap(model);  // under mpirun: the ranks' gradients averaged during backward
    if (dp.active())
      std::printf("data parallel: %d ranks, each on its share of every batch of %zu\n", dp.world_size(), f.batch_size);

    Report report(f, trainer, identity, dp.writes());
    while (trainer.epochs_done() < f.epochs) {
      while (!trainer.epoch_finished()) {
        const xg::data::Batch batch = trainer.next_batch();  // a new random order at each epoch's start
        const std::size_t n = batch.inputs.size(0);          // this rank takes its rows of it
        optimizer.zero_grad();
        xg::Tensor loss = model->loss(model->forward(dp.rows(batch.inputs)), dp.rows(batch.targets));
        dp.weighted(loss, n).backward();
        optimizer.step();
        report.step(trainer.finish_step(dp.global(loss, n)));  // counted; a loss not finite stops the run
      }
      // The epoch's record, with the test set's loss and accuracy; the cosine schedule steps here.
      report.epoch(trainer.end_epoch(models::evaluate(*model, test.images, test.labels)));
    }
    report.finish(models::evaluate(*model, test.images, test.labels), test);
    return 0;
  });
}
