// The libtorch side of bench/compare: issue 8's workloads written against PyTorch's C++ frontend
// (Debian's libtorch-dev 1.13, the build behind python3-torch, on the same OpenBLAS), timed exactly
// as bench/compare_xgrad.cpp and bench/compare_torch.py time them, one JSON line per measurement.
// It links libtorch only; xgrad never does (bench/libtorch/CMakeLists.txt builds it on its own).
//
//   compare_libtorch [--workloads W1,W2,...] [--threads N] [--repetitions R] [--seconds S]
//   compare_libtorch --memory      W8: trains W3 for 200 steps, prints the peak RSS
//
// Same protocol as the other two: a warm-up run of about S seconds, then R runs of about S seconds,
// each giving its mean time per step. torch::set_num_threads(N) sets libtorch's pool; bench/compare
// also sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS to N. The workloads are described in
// compare_xgrad.cpp; the models are torch::nn modules with their default initialisation, the
// optimizers torch::optim's, zero_grad sets gradients to none as xgrad's does.
#include <sys/resource.h>
#include <torch/torch.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace F = torch::nn::functional;

namespace {

struct Settings {
  int threads = 1;
  int repetitions = 7;
  double seconds = 0.3;
};

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
  run();
  std::vector<double> runs;
  for (int r = 0; r < s.repetitions; ++r) runs.push_back(run());
  return runs;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void report(const std::string& workload, const std::string& unit, const std::vector<double>& seconds, double scale,
            const Settings& s, const std::string& extra = "") {
  std::ostringstream runs;
  for (std::size_t i = 0; i < seconds.size(); ++i) runs << (i ? ", " : "") << seconds[i] * scale;
  std::printf(
      "{\"framework\": \"libtorch\", \"workload\": \"%s\", \"threads\": %d, \"unit\": \"%s\", \"median\": %.6g, "
      "\"min\": %.6g, \"runs\": [%s]%s}\n",
      workload.c_str(), s.threads, unit.c_str(), median(seconds) * scale,
      *std::min_element(seconds.begin(), seconds.end()) * scale, runs.str().c_str(), extra.c_str());
  std::fflush(stdout);
}

// libtorch 1.13's Optimizer::zero_grad() zeroes the gradients in place; set_to_none came with
// 2.0. Dropping them is what compare_torch.py's zero_grad(set_to_none=True) and xgrad do.
void zero_grad(torch::optim::Optimizer& opt) {
  for (auto& group : opt.param_groups())
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
}

// --- W1 ------------------------------------------------------------------------------------
void linear_regression(const Settings& s) {
  torch::manual_seed(0);
  const auto x = torch::randn({1024, 16});
  const auto y = x.matmul(torch::randn({16, 1})) + 0.5 + torch::randn({1024, 1}) * 0.1;
  torch::nn::Linear model(16, 1);
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.1));
  report("W1", "ms/step",
         measure(
             [&] {
               zero_grad(opt);
               F::mse_loss(model(x), y).backward();
               opt.step();
             },
             s),
         1e3, s);
}

// --- W2, W3 --------------------------------------------------------------------------------
std::string fashion_dir() {
  const char* env = std::getenv("XGRAD_FASHION_MNIST_DIR");
  return env && *env ? env : "/usr/share/datasets/fashion-mnist";
}

// The first `count` entries of an IDX file of bytes (all with count 0), and its first dimension.
std::vector<std::uint8_t> read_idx(const std::string& path, std::size_t header, std::size_t entry, std::size_t count) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("compare_libtorch: cannot open " + path);
  std::vector<std::uint8_t> head(header);
  if (gzread(f, head.data(), unsigned(header)) != int(header)) throw std::runtime_error(path + ": short header");
  const std::size_t n =
      (std::size_t(head[4]) << 24) | (std::size_t(head[5]) << 16) | (std::size_t(head[6]) << 8) | head[7];
  if (count == 0 || count > n) count = n;
  std::vector<std::uint8_t> out(count * entry);
  const bool ok = gzread(f, out.data(), unsigned(out.size())) == int(out.size());
  gzclose(f);
  if (!ok) throw std::runtime_error("compare_libtorch: " + path + " is shorter than its header says");
  return out;
}

// As compare_torch.py's load_train: float32 (60000, 784) in [0, 1], int64 labels.
std::pair<torch::Tensor, torch::Tensor> load_train() {
  auto images = read_idx(fashion_dir() + "/train-images-idx3-ubyte.gz", 16, 784, 0);
  auto labels = read_idx(fashion_dir() + "/train-labels-idx1-ubyte.gz", 8, 1, 0);
  const auto n = std::int64_t(labels.size());
  auto x = torch::from_blob(images.data(), {n, 784}, torch::kUInt8).to(torch::kFloat32) / 255.0f;
  auto y = torch::from_blob(labels.data(), {n}, torch::kUInt8).to(torch::kInt64);
  return {x.contiguous(), y};
}

// As xg::data::Batches and compare_torch.py's Batches: a new permutation each epoch, each batch's
// rows copied out (index_select, what x[rows] does).
struct Batches {
  torch::Tensor x, y, order;
  std::int64_t size, position = 0;
  void start_epoch() {
    order = torch::randperm(x.size(0));
    position = 0;
  }
  bool has_next() const { return order.defined() && position * size < x.size(0); }
  std::pair<torch::Tensor, torch::Tensor> next() {
    const auto rows = order.slice(0, position * size, std::min((position + 1) * size, x.size(0)));
    ++position;
    return {x.index_select(0, rows), y.index_select(0, rows)};
  }
};

struct MlpImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  MlpImpl()
      : fc1(register_module("fc1", torch::nn::Linear(784, 256))),
        fc2(register_module("fc2", torch::nn::Linear(256, 10))) {}
  torch::Tensor forward(const torch::Tensor& x) { return fc2(torch::relu(fc1(x))); }
};
TORCH_MODULE(Mlp);

template <class Model, class Optimizer>
void train_step(Model& model, Optimizer& opt, const std::pair<torch::Tensor, torch::Tensor>& b) {
  zero_grad(opt);
  F::cross_entropy(model(b.first), b.second).backward();
  opt.step();
}

template <class Model, class Optimizer>
void time_steps(const std::string& workload, Model& model, Optimizer& opt, Batches& batches, const Settings& s) {
  std::vector<std::pair<torch::Tensor, torch::Tensor>> drawn;
  batches.start_epoch();
  for (int i = 0; i < 16; ++i) drawn.push_back(batches.next());
  std::size_t next = 0;
  report(workload, "ms/step", measure([&] { train_step(model, opt, drawn[next++ % drawn.size()]); }, s), 1e3, s);
}

void fashion_mnist(const Settings& s, bool softmax, bool mlp) {
  const auto [x, y] = load_train();
  torch::manual_seed(0);
  if (softmax) {
    torch::nn::Linear model(784, 10);
    torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.1));
    Batches batches{x, y, {}, 128};
    time_steps("W2", model, opt, batches, s);
    Settings epochs = s;
    epochs.seconds = 0;
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
    torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
    Batches batches{x, y, {}, 128};
    time_steps("W3", model, opt, batches, s);
  }
}

// --- W4, W5 --------------------------------------------------------------------------------
constexpr std::int64_t kBatch = 16, kAnchors = 3, kGrid = 8, kClasses = 3;
constexpr double kEps = 1e-9;

torch::Tensor yolo_targets() {
  std::vector<float> rows;
  for (std::int64_t i = 0; i < kBatch; ++i) {
    const double f = double(i) / kBatch;
    const double a[] = {double(i), double(i % kClasses), 0.1 + 0.8 * f, 0.3 + 0.4 * f, 0.1 + 0.2 * f, 0.15 + 0.1 * f};
    const double b[] = {double(i), double((i + 1) % kClasses), 0.9 - 0.7 * f, 0.6, 0.3, 0.2 + 0.3 * f};
    for (double v : a) rows.push_back(float(v));
    for (double v : b) rows.push_back(float(v));
  }
  return torch::tensor(rows).reshape({2 * kBatch, 6});
}

// make_yolo_fixtures.py's ciou: the reference's bbox_iou(x1y1x2y2=False, CIoU=True), in its op order.
torch::Tensor ciou(const torch::Tensor& px, const torch::Tensor& py, const torch::Tensor& pw, const torch::Tensor& ph,
                   const torch::Tensor& tx, const torch::Tensor& ty, const torch::Tensor& tw, const torch::Tensor& th) {
  const auto ax1 = px - pw / 2, ax2 = px + pw / 2, ay1 = py - ph / 2, ay2 = py + ph / 2;
  const auto bx1 = tx - tw / 2, bx2 = tx + tw / 2, by1 = ty - th / 2, by2 = ty + th / 2;
  const auto inter =
      (torch::min(ax2, bx2) - torch::max(ax1, bx1)).clamp(0) * (torch::min(ay2, by2) - torch::max(ay1, by1)).clamp(0);
  const auto w1 = ax2 - ax1, h1 = ay2 - ay1 + kEps;
  const auto w2 = bx2 - bx1, h2 = by2 - by1 + kEps;
  const auto iou = inter / (w1 * h1 + w2 * h2 - inter + kEps);
  const auto cw = torch::max(ax2, bx2) - torch::min(ax1, bx1);
  const auto ch = torch::max(ay2, by2) - torch::min(ay1, by1);
  const auto c2 = cw.pow(2) + ch.pow(2) + kEps;
  const auto rho2 = ((bx1 + bx2 - ax1 - ax2).pow(2) + (by1 + by2 - ay1 - ay2).pow(2)) / 4;
  const auto v = (4 / (M_PI * M_PI)) * torch::pow(torch::atan(w2 / h2) - torch::atan(w1 / h1), 2);
  torch::Tensor alpha;
  {
    torch::NoGradGuard no_grad;
    alpha = v / ((1 + kEps) - iou + v);
  }
  return iou - (rho2 / c2 + v * alpha);
}

// compare_torch.py's loss: yolo_loss_torch.py's vectorized_loss at one scale (stride 8, anchors
// (10, 13), (16, 30), (33, 23)), the reference's gains 0.05 / 1.0 / 0.5.
torch::Tensor yolo_loss(const torch::Tensor& p, const torch::Tensor& targets) {
  using torch::indexing::Slice;
  const std::int64_t gy = p.size(2), gx = p.size(3);
  const auto anchors = torch::tensor({10.0f, 13.0f, 16.0f, 30.0f, 33.0f, 23.0f}).reshape({3, 2}) / 8.0f;
  const auto xywh = targets.index({Slice(), Slice(2, 6)}) * torch::tensor({float(gx), float(gy), float(gx), float(gy)});
  const auto r = xywh.index({Slice(), Slice(2, 4)}).unsqueeze(0) / anchors.unsqueeze(1);
  const auto keep = std::get<0>(torch::max(r, 1 / r).max(2)) < 4;
  const auto nz = keep.nonzero();
  const auto a = nz.select(1, 0), k = nz.select(1, 1);
  auto tobj = torch::zeros({p.size(0), p.size(1), gy, gx});
  auto lbox = torch::zeros({}), lcls = torch::zeros({});
  if (a.numel()) {
    const auto t = xywh.index_select(0, k);
    auto cell = t.index({Slice(), Slice(0, 2)}).to(torch::kLong);
    cell.select(1, 0).clamp_(0, gx - 1);
    cell.select(1, 1).clamp_(0, gy - 1);
    const auto tk = targets.index_select(0, k);
    const auto b = tk.select(1, 0).to(torch::kLong), c = tk.select(1, 1).to(torch::kLong);
    const auto cy = cell.select(1, 1), cx = cell.select(1, 0);
    const auto ps = p.index({b, a, cy, cx});
    const auto off = t.index({Slice(), Slice(0, 2)}) - cell;
    const auto pwh = torch::exp(ps.index({Slice(), Slice(2, 4)})) * anchors.index_select(0, a);
    const auto pxy = ps.index({Slice(), Slice(0, 2)}).sigmoid();
    const auto iou = ciou(pxy.select(1, 0), pxy.select(1, 1), pwh.select(1, 0), pwh.select(1, 1), off.select(1, 0),
                          off.select(1, 1), t.select(1, 2), t.select(1, 3));
    lbox = lbox + (1.0 - iou).mean();
    tobj.index_put_({b, a, cy, cx}, iou.detach().clamp(0));
    auto onehot = torch::zeros({a.numel(), kClasses});
    onehot.index_put_({torch::arange(a.numel()), c}, 1.0);
    lcls = lcls + F::binary_cross_entropy_with_logits(ps.index({Slice(), Slice(5)}), onehot);
  }
  const auto lobj = F::binary_cross_entropy_with_logits(p.select(4, 4), tobj);
  return lbox * 0.05 + lobj * 1.0 + lcls * 0.5;
}

void tiny_yolo(const Settings& s) {
  torch::manual_seed(0);
  using torch::nn::Conv2dOptions;
  torch::nn::Sequential net(torch::nn::Conv2d(Conv2dOptions(3, 16, 3).stride(2).padding(1)), torch::nn::SiLU(),
                            torch::nn::Conv2d(Conv2dOptions(16, 32, 3).stride(2).padding(1)), torch::nn::SiLU(),
                            torch::nn::Conv2d(Conv2dOptions(32, 64, 3).stride(2).padding(1)), torch::nn::SiLU(),
                            torch::nn::Conv2d(Conv2dOptions(64, kAnchors * (5 + kClasses), 1)));
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
  const auto images = torch::randn({kBatch, 3, 64, 64});
  const auto targets = yolo_targets();
  report("W4", "ms/step",
         measure(
             [&] {
               zero_grad(opt);
               const auto p =
                   net->forward(images).view({kBatch, kAnchors, 5 + kClasses, kGrid, kGrid}).permute({0, 1, 3, 4, 2});
               yolo_loss(p, targets).backward();
               opt.step();
             },
             s),
         1e3, s);
}

void yolo_loss_alone(const Settings& s) {
  torch::manual_seed(0);
  auto p = (torch::randn({kBatch, kAnchors, kGrid, kGrid, 5 + kClasses}) * 0.5).detach().requires_grad_();
  const auto targets = yolo_targets();
  // The loss's value goes into the line: equal to compare_torch.py's (same generator, same seed)
  // shows the port computes the same loss.
  const std::string value = ", \"loss\": " + std::to_string(yolo_loss(p, targets).item<double>());
  report("W5", "ms",
         measure(
             [&] {
               p.mutable_grad() = torch::Tensor();
               yolo_loss(p, targets).backward();
             },
             s),
         1e3, s, value);
}

// --- W6 ------------------------------------------------------------------------------------
void small_ops(const Settings& s) {
  torch::manual_seed(0);
  auto x0 = torch::randn({4, 4}).requires_grad_();
  report("W6", "us/op",
         measure(
             [&] {
               x0.mutable_grad() = torch::Tensor();
               auto x = x0;
               for (int i = 0; i < 500; ++i) x = torch::tanh(x * 1.0001 + 0.001);
               x.sum().backward();
             },
             s),
         1e6 / 1500, s);
}

// --- W7 ------------------------------------------------------------------------------------
void gemm(const Settings& s) {
  constexpr std::int64_t n = 1024;
  constexpr double flop = 3 * 2.0 * n * n * n;
  torch::manual_seed(0);
  auto a = torch::randn({n, n}).requires_grad_(), b = torch::randn({n, n}).requires_grad_();
  const auto dc = torch::randn({n, n});
  const auto t = measure(
      [&] {
        a.mutable_grad() = torch::Tensor();
        b.mutable_grad() = torch::Tensor();
        torch::matmul(a, b).backward(dc);
      },
      s);
  report("W7", "ms", t, 1e3, s, ", \"gflops\": " + std::to_string(flop / median(t) / 1e9));
}

// --- W8 ------------------------------------------------------------------------------------
void memory(const Settings& s) {
  constexpr std::int64_t kSteps = 200, kSize = 128, kCount = kSteps * kSize;
  auto image_bytes = read_idx(fashion_dir() + "/train-images-idx3-ubyte.gz", 16, 784, kCount);
  auto label_bytes = read_idx(fashion_dir() + "/train-labels-idx1-ubyte.gz", 8, 1, kCount);
  const auto images = torch::from_blob(image_bytes.data(), {kCount, 784}, torch::kUInt8);
  const auto labels = torch::from_blob(label_bytes.data(), {kCount}, torch::kUInt8);
  torch::manual_seed(0);
  Mlp model;
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  const auto order = torch::randperm(kCount);
  torch::Tensor loss;
  for (std::int64_t step = 0; step < kSteps; ++step) {
    const auto rows = order.slice(0, step * kSize, (step + 1) * kSize);
    const auto x = images.index_select(0, rows).to(torch::kFloat32) / 255.0;
    const auto y = labels.index_select(0, rows).to(torch::kLong);
    zero_grad(opt);
    loss = F::cross_entropy(model(x), y);
    loss.backward();
    opt.step();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double mib = double(usage.ru_maxrss) / 1024.0;
  std::printf(
      "{\"framework\": \"libtorch\", \"workload\": \"W8\", \"threads\": %d, \"unit\": \"MiB\", \"median\": %.6g, "
      "\"min\": %.6g, \"runs\": [%.6g], \"last_loss\": %.6g}\n",
      s.threads, mib, mib, mib, loss.item<double>());
}

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr,
               "compare_libtorch: %s\nusage: compare_libtorch [--workloads W1,...,W7] [--threads N] "
               "[--repetitions R] [--seconds S] | --memory [--threads N]\n",
               what.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  std::string workloads = "W1,W2,W3,W4,W5,W6,W7";
  bool mem = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    try {
      if (arg == "--workloads")
        workloads = value();
      else if (arg == "--threads")
        s.threads = std::stoi(value());
      else if (arg == "--repetitions")
        s.repetitions = std::stoi(value());
      else if (arg == "--seconds")
        s.seconds = std::stod(value());
      else if (arg == "--memory")
        mem = true;
      else
        usage_error("unknown option '" + arg + "'");
    } catch (const std::logic_error&) {
      usage_error("bad value for " + arg);
    }
  }
  if (s.threads < 1 || s.threads > 64) usage_error("--threads must be between 1 and 64");
  if (s.repetitions < 1) usage_error("--repetitions must be at least 1");
  if (!(s.seconds >= 0)) usage_error("--seconds must be at least 0");
  torch::set_num_threads(s.threads);
  try {
    if (mem) {
      memory(s);
      return 0;
    }
    std::set<std::string> w;
    std::stringstream list(workloads);
    for (std::string item; std::getline(list, item, ',');) w.insert(item);
    for (const auto& item : w)
      if (!std::set<std::string>{"W1", "W2", "W3", "W4", "W5", "W6", "W7"}.count(item))
        usage_error("unknown workload '" + item + "'; choose among W1 to W7 (W8 is --memory)");
    if (w.count("W1")) linear_regression(s);
    if (w.count("W2") || w.count("W3")) fashion_mnist(s, w.count("W2"), w.count("W3"));
    if (w.count("W4")) tiny_yolo(s);
    if (w.count("W5")) yolo_loss_alone(s);
    if (w.count("W6")) small_ops(s);
    if (w.count("W7")) gemm(s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_libtorch: %s\n", e.what());
    return 1;
  }
  return 0;
}
