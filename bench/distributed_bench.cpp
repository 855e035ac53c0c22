// Issue 22's measurements on one machine (run under mpirun; docs/distributed.md quotes them):
//   1. allreduce bandwidth, float32 messages of 1 KB .. 64 MB (xg::distributed::all_reduce);
//   2. W3 (MLP 784-256-10, batch 128 per rank, cross-entropy, Adam) and W4 (models::TinyYolo w4,
//      batch 16 per rank, a mean-square loss on its raw predictions, Adam): ms per step without
//      DistributedDataParallel (each rank alone) and with it, and backward alone vs backward +
//      the gradient allreduce (DDP's hooks and finish()).
//   mpirun --allow-run-as-root -np 2 build/release/bench/distributed_bench [--quick]
// Each rank runs one BLAS thread (OPENBLAS_NUM_THREADS=1 is set by the caller or here).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>
#include <xgrad/distributed/distributed.hpp>
#include <xgrad/xgrad.hpp>

namespace xg = xgrad;
namespace xd = xgrad::distributed;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The median over `reps` timed runs of fn, each synchronized across ranks, in seconds.
double median_time(int reps, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    xd::barrier();
    const double start = now();
    fn();
    xd::barrier();
    t.push_back(now() - start);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void allreduce_bandwidth(bool quick) {
  if (xd::rank() == 0)
    std::printf("| message | time | algbw (bytes / time) | busbw (x 2(W-1)/W) |\n|---|---|---|---|\n");
  for (std::size_t bytes = 1024; bytes <= (std::size_t(64) << 20); bytes *= quick ? 64 : 4) {
    xg::Tensor t = xg::ones({bytes / 4});
    const int reps = bytes < (1 << 20) ? 50 : bytes < (16 << 20) ? 10 : 5;
    xd::all_reduce(t);  // warm up
    const double s = median_time(quick ? 3 : reps, [&] { xd::all_reduce(t); });
    const double w = xd::world_size(), algbw = double(bytes) / s;
    if (xd::rank() == 0)
      std::printf("| %zu KiB | %.1f us | %.2f GB/s | %.2f GB/s |\n", bytes / 1024, s * 1e6, algbw / 1e9,
                  algbw * 2 * (w - 1) / w / 1e9);
  }
}

struct Workload {
  const char* name;
  std::shared_ptr<xg::nn::Module> model;
  xg::Tensor input, target;
  std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&)> loss;
};

void time_workload(Workload w, int steps) {
  std::size_t params = 0;
  for (const auto& p : w.model->parameters()) params += p.numel();
  xg::optim::Adam opt(w.model->parameters(), {.lr = 1e-3});
  auto step = [&](xd::DistributedDataParallel* ddp, bool update) {
    opt.zero_grad();
    xg::Tensor loss = w.loss(w.model->forward(w.input), w.target);
    loss.backward();
    if (ddp) ddp->finish();
    if (update) opt.step();
  };
  step(nullptr, true);  // warm up
  const double alone = median_time(steps, [&] { step(nullptr, true); });
  const double backward_alone = median_time(steps, [&] { step(nullptr, false); });
  double with_ddp = 0, backward_ddp = 0;
  {
    xd::DistributedDataParallel ddp(w.model, {.broadcast_parameters = true});
    step(&ddp, true);
    with_ddp = median_time(steps, [&] { step(&ddp, true); });
    backward_ddp = median_time(steps, [&] { step(&ddp, false); });
  }
  if (xd::rank() == 0)
    std::printf("| %s | %zu | %.2f | %.2f | %.2f | %.2f | %.1f |\n", w.name, params, alone * 1e3, with_ddp * 1e3,
                backward_alone * 1e3, backward_ddp * 1e3, 1.0 / with_ddp);
}

}  // namespace

int main(int argc, char** argv) {
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  xd::init(&argc, &argv);
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  if (xd::rank() == 0) std::printf("world size %d, %s\n\n", xd::world_size(), xd::processor_name().c_str());
  allreduce_bandwidth(quick);
  const int steps = quick ? 3 : 20;
  if (xd::rank() == 0)
    std::printf(
        "\n| workload | parameters | step alone (ms) | step with DDP (ms) | fwd+bwd alone (ms) | "
        "fwd+bwd+allreduce (ms) | steps/s with DDP |\n|---|---|---|---|---|---|---|\n");
  xg::manual_seed(std::uint64_t(xd::rank()) + 1);  // each rank its own data
  Workload w3{"W3 MLP 784-256-10, batch 128", std::make_shared<xg::models::MLP>(784, std::vector<std::size_t>{256}, 10),
              xg::randn({128, 784}), xg::randint(0, 10, {128}),
              [](const xg::Tensor& s, const xg::Tensor& y) { return xg::losses::cross_entropy(s, y); }};
  time_workload(w3, steps);
  Workload w4{"W4 TinyYolo w4, batch 16", std::make_shared<xg::models::TinyYolo>(xg::models::TinyYoloConfig::w4()),
              xg::randn({16, 3, 64, 64}), xg::Tensor(),
              [](const xg::Tensor& p, const xg::Tensor&) { return p.pow(2.0).mean(); }};
  time_workload(w4, steps);
}
