// The xgrad side of bench/compare: the workloads of issue 8, each timed exactly as
// bench/compare_torch.py times it in PyTorch, printed as one JSON line per measurement.
//
//   compare_xgrad [--workloads W1,W2,...] [--threads N] [--repetitions R] [--seconds S]
//   compare_xgrad --memory      W8: trains W3 for 200 steps, prints the peak RSS
//
// Timing: a warm-up of about S seconds, then R runs of about S seconds each (at least one step);
// each run gives its mean time per step, and the line holds every run, their median and minimum.
// The thread count goes to OpenBLAS (openblas_set_num_threads), which conv2d also reads: one knob.
//
//   W1  linear regression: X (1024, 16), Linear(16, 1), full-batch MSE, SGD lr 0.1
//   W2  softmax regression on Fashion-MNIST: Linear(784, 10), cross-entropy, batch 128, SGD lr 0.1;
//       per step (zero_grad, forward, loss, backward, step, on batches drawn beforehand) and per
//       epoch (shuffling and copying the batches out of the training set included)
//   W3  MLP 784-256-10 with ReLU, Adam lr 1e-3, batch 128, Fashion-MNIST, per step
//   W4  tiny YOLO: (16, 3, 64, 64) through three 3x3 stride-2 convs with SiLU and a 1x1 head to
//       (16, 24, 8, 8), viewed as (16, 3, 8, 8, 8) and permuted to (batch, anchor, y, x, 5 + C) as
//       the YOLOv3 head does, the reference YOLO loss, Adam
//   W5  the YOLO loss alone at those shapes, forward + backward, 2 targets per image
//   W6  500 x (x = x * 1.0001 + 0.001; x = tanh(x)) on (4, 4), sum, backward: time per op
//   W7  (1024, 1024) @ (1024, 1024) forward + backward, and the same three products through
//       cblas_sgemm directly (W7-cblas)
//   W8  (--memory) as W3 for 200 steps over the first 25,600 training images, held as bytes
#include <cblas.h>
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>
#include <xgrad/data/batches.hpp>
#include <xgrad/data/fashion_mnist.hpp>
#include <xgrad/xgrad.hpp>

#include "common/cli.hpp"

namespace xg = xgrad;
namespace nn = xg::nn;

namespace {

struct Settings {
  int threads = 1;
  int repetitions = 7;
  double seconds = 0.3;
};

// Per-run mean times, in seconds per step.
std::vector<double> measure(const std::function<void()>& step, const Settings& s) {
  using Clock = std::chrono::steady_clock;
  auto run = [&] {
    const auto start = Clock::now();
    std::size_t count = 0;
    double elapsed = 0;
    do {
      step();
      ++count;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < s.seconds);
    return elapsed / double(count);
  };
  run();  // warm-up: caches, pools, first-touch pages, Adam's moment buffers
  std::vector<double> runs;
  for (int r = 0; r < s.repetitions; ++r) runs.push_back(run());
  return runs;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// One JSON line; `scale` turns seconds into `unit`. `extra` is appended as further fields.
void report(const std::string& workload, const std::string& unit, const std::vector<double>& seconds, double scale,
            const Settings& s, const std::string& extra = "") {
  std::ostringstream runs;
  for (std::size_t i = 0; i < seconds.size(); ++i) runs << (i ? ", " : "") << seconds[i] * scale;
  std::printf(
      "{\"framework\": \"xgrad\", \"workload\": \"%s\", \"threads\": %d, \"unit\": \"%s\", \"median\": %.6g, "
      "\"min\": %.6g, \"runs\": [%s]%s}\n",
      workload.c_str(), s.threads, unit.c_str(), median(seconds) * scale,
      *std::min_element(seconds.begin(), seconds.end()) * scale, runs.str().c_str(), extra.c_str());
  std::fflush(stdout);
}

// --- W1 ------------------------------------------------------------------------------------
void linear_regression(const Settings& s) {
  xg::manual_seed(0);
  const xg::Tensor x = xg::randn({1024, 16});
  const xg::Tensor y = x.matmul(xg::randn({16, 1})) + 0.5 + xg::randn({1024, 1}) * 0.1;
  nn::Linear model(16, 1);
  xg::optim::SGD opt(model.parameters(), {.lr = 0.1});
  report("W1", "ms/step",
         measure(
             [&] {
               opt.zero_grad();
               xg::losses::mse_loss(model.forward(x), y).backward();
               opt.step();
             },
             s),
         1e3, s);
}

// --- W2, W3 --------------------------------------------------------------------------------
struct Mlp : nn::Module {
  std::shared_ptr<nn::Linear> fc1, fc2;
  Mlp()
      : fc1(register_module("fc1", std::make_shared<nn::Linear>(784, 256))),
        fc2(register_module("fc2", std::make_shared<nn::Linear>(256, 10))) {}
  xg::Tensor forward(const xg::Tensor& x) override { return fc2->forward(xg::relu(fc1->forward(x))); }
};

// One step as W1 defines it: zero_grad, forward, loss, backward, step.
template <class Optimizer>
void train_step(nn::Module& model, Optimizer& opt, const xg::data::Batch& b) {
  opt.zero_grad();
  xg::losses::cross_entropy(model.forward(b.inputs), b.targets).backward();
  opt.step();
}

// A step's time leaves the batch's assembly out: the steps cycle through batches drawn before the
// timing (16 of them, 6.4 MB, more than the caches keep close). The epoch's time has it all.
template <class Optimizer>
void time_steps(const std::string& workload, nn::Module& model, Optimizer& opt, xg::data::Batches& batches,
                const Settings& s) {
  std::vector<xg::data::Batch> drawn;
  batches.start_epoch();
  for (int i = 0; i < 16; ++i) drawn.push_back(batches.next());
  std::size_t next = 0;
  report(workload, "ms/step", measure([&] { train_step(model, opt, drawn[next++ % drawn.size()]); }, s), 1e3, s);
}

void fashion_mnist(const Settings& s, bool softmax, bool mlp) {
  const auto train = xg::data::load_fashion_mnist(xg::data::fashion_mnist_dir(), xg::data::Split::Train);
  xg::manual_seed(0);
  if (softmax) {
    nn::Linear model(784, 10);
    xg::optim::SGD opt(model.parameters(), {.lr = 0.1});
    xg::data::Batches batches(train.images, train.labels, 128);
    time_steps("W2", model, opt, batches, s);
    // A whole epoch: the shuffle, 469 batches copied out of the training set, 469 steps (the last
    // on 96 images).
    Settings epochs = s;
    epochs.seconds = 0;  // one epoch per run
    report("W2-epoch", "ms/epoch",
           measure(
               [&] {
                 for (batches.start_epoch(); batches.has_next();) train_step(model, opt, batches.next());
               },
               epochs),
           1e3, s);
  }
  if (mlp) {
    Mlp model;
    xg::optim::Adam opt(model.parameters(), {.lr = 1e-3});
    xg::data::Batches batches(train.images, train.labels, 128);
    time_steps("W3", model, opt, batches, s);
  }
}

// --- W4, W5 --------------------------------------------------------------------------------
constexpr std::size_t kBatch = 16, kAnchors = 3, kGrid = 8, kClasses = 3;

// Two targets per image, (image, class, cx, cy, w, h); the same rows as compare_torch.py's.
xg::Tensor yolo_targets() {
  xt::xarray<float> t = xt::xarray<float>::from_shape({2 * kBatch, 6});
  for (std::size_t i = 0; i < kBatch; ++i) {
    const double f = double(i) / kBatch;
    const double a[] = {double(i), double(i % kClasses), 0.1 + 0.8 * f, 0.3 + 0.4 * f, 0.1 + 0.2 * f, 0.15 + 0.1 * f};
    const double b[] = {double(i), double((i + 1) % kClasses), 0.9 - 0.7 * f, 0.6, 0.3, 0.2 + 0.3 * f};
    for (std::size_t k = 0; k < 6; ++k) {
      t(2 * i, k) = float(a[k]);
      t(2 * i + 1, k) = float(b[k]);
    }
  }
  return xg::from_xarray(std::move(t));
}

xg::losses::YoloLoss yolo_loss() {
  xg::losses::YoloLossConfig config = xg::losses::YoloLossConfig::reference(kClasses);
  config.scales = {config.scales[2]};  // stride 8: anchors (10, 13), (16, 30), (33, 23)
  return xg::losses::YoloLoss(config);
}

void tiny_yolo(const Settings& s) {
  xg::manual_seed(0);
  nn::Sequential net{std::make_shared<nn::Conv2d>(3, 16, 3, 2, 1),
                     std::make_shared<nn::SiLU>(),
                     std::make_shared<nn::Conv2d>(16, 32, 3, 2, 1),
                     std::make_shared<nn::SiLU>(),
                     std::make_shared<nn::Conv2d>(32, 64, 3, 2, 1),
                     std::make_shared<nn::SiLU>(),
                     std::make_shared<nn::Conv2d>(64, std::int64_t(kAnchors * (5 + kClasses)), 1)};
  xg::optim::Adam opt(net.parameters(), {.lr = 1e-3});
  const auto loss = yolo_loss();
  const xg::Tensor images = xg::randn({kBatch, 3, 64, 64}), targets = yolo_targets();
  const std::int64_t b = kBatch, a = kAnchors, g = kGrid, w = 5 + kClasses;
  report("W4", "ms/step",
         measure(
             [&] {
               opt.zero_grad();
               const xg::Tensor p = net.forward(images).reshape({b, a, w, g, g}).permute({0, 1, 3, 4, 2});
               loss({p}, targets).total.backward();
               opt.step();
             },
             s),
         1e3, s);
}

void yolo_loss_alone(const Settings& s) {
  xg::manual_seed(0);
  const auto loss = yolo_loss();
  xg::Tensor p = (xg::randn({kBatch, kAnchors, kGrid, kGrid, 5 + kClasses}) * 0.5).detach().requires_grad_();
  const xg::Tensor targets = yolo_targets();
  report("W5", "ms",
         measure(
             [&] {
               p.set_grad({});
               loss({p}, targets).total.backward();
             },
             s),
         1e3, s);
}

// --- W6 ------------------------------------------------------------------------------------
void small_ops(const Settings& s) {
  xg::manual_seed(0);
  xg::Tensor x0 = xg::randn({4, 4}).requires_grad_();
  report("W6", "us/op",
         measure(
             [&] {
               x0.set_grad({});
               xg::Tensor x = x0;
               for (int i = 0; i < 500; ++i) x = xg::tanh(x * 1.0001 + 0.001);
               x.sum().backward();
             },
             s),
         1e6 / 1500, s);
}

// --- W7 ------------------------------------------------------------------------------------
std::string gflops(const std::vector<double>& seconds, double flop) {
  return ", \"gflops\": " + std::to_string(flop / median(seconds) / 1e9);
}

void gemm(const Settings& s) {
  constexpr std::size_t n = 1024;
  constexpr double flop = 3 * 2.0 * n * n * n;  // C = A B, dA = dC Bᵀ, dB = Aᵀ dC
  xg::manual_seed(0);
  xg::Tensor a = xg::randn({n, n}).requires_grad_(), b = xg::randn({n, n}).requires_grad_();
  const xg::Tensor dc = xg::randn({n, n});
  const auto t = measure(
      [&] {
        a.set_grad({});
        b.set_grad({});
        xg::matmul(a, b).backward(dc);
      },
      s);
  report("W7", "ms", t, 1e3, s, gflops(t, flop));

  std::vector<float> c(n * n), da(n * n), db(n * n);
  const float *pa = a.data<float>().data(), *pb = b.data<float>().data(), *pdc = dc.data<float>().data();
  const int m = int(n);
  const auto direct = measure(
      [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1, pa, m, pb, m, 0, c.data(), m);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, m, m, 1, pdc, m, pb, m, 0, da.data(), m);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, m, m, 1, pa, m, pdc, m, 0, db.data(), m);
      },
      s);
  report("W7-cblas", "ms", direct, 1e3, s, gflops(direct, flop));
}

// --- W8 ------------------------------------------------------------------------------------
// The first `count` training images as bytes, read from the gzip file without holding all of it.
std::vector<std::uint8_t> read_images(const std::string& path, std::size_t count, std::vector<std::int64_t>& labels,
                                      const std::string& label_path) {
  auto read = [](const std::string& file, std::size_t header, std::size_t bytes) {
    gzFile f = gzopen(file.c_str(), "rb");
    if (!f) xg::fail("compare_xgrad", "cannot open ", file);
    std::vector<std::uint8_t> skip(header), out(bytes);
    const bool ok =
        gzread(f, skip.data(), unsigned(header)) == int(header) && gzread(f, out.data(), unsigned(bytes)) == int(bytes);
    gzclose(f);
    if (!ok) xg::fail("compare_xgrad", file, " is shorter than ", header + bytes, " bytes");
    return out;
  };
  const std::vector<std::uint8_t> l = read(label_path, 8, count);
  labels.assign(l.begin(), l.end());
  return read(path, 16, count * 784);
}

void memory(const Settings& s) {
  constexpr std::size_t kSteps = 200, kBatchSize = 128, kImages = kSteps * kBatchSize;
  const std::string dir = xg::data::fashion_mnist_dir().string();
  std::vector<std::int64_t> labels;
  const std::vector<std::uint8_t> images =
      read_images(dir + "/train-images-idx3-ubyte.gz", kImages, labels, dir + "/train-labels-idx1-ubyte.gz");
  xg::manual_seed(0);
  Mlp model;
  xg::optim::Adam opt(model.parameters(), {.lr = 1e-3});
  const xg::Tensor order = xg::randperm(std::int64_t(kImages));
  const std::int64_t* rows = order.data<std::int64_t>().data();
  double last_loss = 0;
  for (std::size_t step = 0; step < kSteps; ++step) {
    xt::xarray<float> x = xt::xarray<float>::from_shape({kBatchSize, std::size_t(784)});
    xt::xarray<std::int64_t> y = xt::xarray<std::int64_t>::from_shape({kBatchSize});
    for (std::size_t i = 0; i < kBatchSize; ++i) {
      const auto row = std::size_t(rows[step * kBatchSize + i]);
      for (std::size_t k = 0; k < 784; ++k) x(i, k) = float(images[row * 784 + k]) / 255.0f;
      y(i) = labels[row];
    }
    opt.zero_grad();
    const xg::Tensor loss =
        xg::losses::cross_entropy(model.forward(xg::from_xarray(std::move(x))), xg::from_xarray(std::move(y)));
    loss.backward();
    opt.step();
    last_loss = loss.item();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "{\"framework\": \"xgrad\", \"workload\": \"W8\", \"threads\": %d, \"unit\": \"MiB\", \"median\": %.6g, "
      "\"min\": %.6g, \"runs\": [%.6g], \"last_loss\": %.6g}\n",
      s.threads, usage.ru_maxrss / 1024.0, usage.ru_maxrss / 1024.0, usage.ru_maxrss / 1024.0, last_loss);
}

}  // namespace

int main(int argc, char** argv) {
  cli::Parser cli("compare_xgrad", "The xgrad side of bench/compare: times issue 8's workloads, one JSON line each");
  Settings s;
  std::string workloads = "W1,W2,W3,W4,W5,W6,W7";
  bool mem = false;
  cli.text("--workloads", workloads, "comma-separated, of W1 to W7 (W2 includes the epoch)");
  cli.number("--threads", s.threads, "OpenBLAS's thread count, which conv2d uses too", cli::between(1, 64));
  cli.number("--repetitions", s.repetitions, "timed runs per workload", cli::between(1, 1000));
  cli.number("--seconds", s.seconds, "length of one run (and of the warm-up)", cli::between(0.0, 60.0));
  cli.flag("--memory", mem, "W8: train W3 for 200 steps and print the peak RSS, nothing else");
  if (auto exit = cli.parse(argc, argv)) return *exit;
  return cli::guarded("compare_xgrad", [&] {
    openblas_set_num_threads(s.threads);
    if (mem) {
      memory(s);
      return 0;
    }
    std::set<std::string> w;
    std::stringstream list(workloads);
    for (std::string item; std::getline(list, item, ',');) w.insert(item);
    for (const auto& item : w)
      if (!std::set<std::string>{"W1", "W2", "W3", "W4", "W5", "W6", "W7"}.count(item))
        cli::fail("--workloads", workloads, "unknown workload '" + item + "'; choose among W1 to W7 (W8 is --memory)");
    if (w.count("W1")) linear_regression(s);
    if (w.count("W2") || w.count("W3")) fashion_mnist(s, w.count("W2"), w.count("W3"));
    if (w.count("W4")) tiny_yolo(s);
    if (w.count("W5")) yolo_loss_alone(s);
    if (w.count("W6")) small_ops(s);
    if (w.count("W7")) gemm(s);
    return 0;
  });
}
