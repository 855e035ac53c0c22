// The YOLO loss (reference preset), forward + backward: batch 16, 3 anchors, an 8x8 grid,
// 3 classes, 2 targets per image, float32. bench/yolo_loss_torch.py times the same loss in
// PyTorch (its re-implementation of the reference); compare the two times:
//   build/yolo/bench/bench_yolo_loss --benchmark_repetitions=5 && /usr/bin/python3 bench/yolo_loss_torch.py
#include <benchmark/benchmark.h>

#include <xgrad/losses/yolo_loss.hpp>
#include <xgrad/xgrad.hpp>

namespace xg = xgrad;
namespace xl = xgrad::losses;

namespace {

constexpr std::size_t kBatch = 16, kAnchors = 3, kGrid = 8, kClasses = 3;

// Two targets per image, the same as the Python script's: (image, class, cx, cy, w, h).
xg::Tensor bench_targets(xg::Dtype dtype) {
  std::vector<double> rows;
  for (std::size_t i = 0; i < kBatch; ++i) {
    const double f = static_cast<double>(i) / kBatch;
    const double a[] = {double(i), double(i % kClasses), 0.1 + 0.8 * f, 0.3 + 0.4 * f, 0.1 + 0.2 * f, 0.15 + 0.1 * f};
    const double b[] = {double(i), double((i + 1) % kClasses), 0.9 - 0.7 * f, 0.6, 0.3, 0.2 + 0.3 * f};
    rows.insert(rows.end(), a, a + 6);
    rows.insert(rows.end(), b, b + 6);
  }
  xt::xarray<double> t = xt::xarray<double>::from_shape({rows.size() / 6, 6});
  std::copy(rows.begin(), rows.end(), t.begin());
  return xg::from_xarray(std::move(t)).to(dtype);
}

template <xg::Dtype D>
void BM_YoloLossForwardBackward(benchmark::State& state) {
  xg::manual_seed(0);
  xl::YoloLossConfig config = xl::YoloLossConfig::reference(kClasses);
  config.scales = {config.scales[2]};  // stride 8: anchors (10, 13), (16, 30), (33, 23)
  const xl::YoloLoss loss(config);
  xg::Tensor p = (xg::randn({kBatch, kAnchors, kGrid, kGrid, 5 + kClasses}, D) * 0.5).detach().requires_grad_();
  const xg::Tensor t = bench_targets(D);
  for (auto _ : state) {
    p.set_grad({});
    const xl::YoloLossParts out = loss({p}, t);
    out.total.backward();
    benchmark::DoNotOptimize(p.grad().defined());
  }
}
BENCHMARK(BM_YoloLossForwardBackward<xg::kFloat32>)
    ->Name("BM_YoloLoss/float32")
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_YoloLossForwardBackward<xg::kFloat64>)
    ->Name("BM_YoloLoss/float64")
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
