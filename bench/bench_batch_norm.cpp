// BatchNorm2d forward + backward (input, weight and bias gradients) in training mode at the
// tiny-YOLO backbone's shapes: after each stride-2 conv of a batch of 16 64x64 images,
// (16, 16, 32, 32), (16, 32, 16, 16) and (16, 64, 8, 8). OPENBLAS_NUM_THREADS sets xgrad's thread
// count. Before core/batch_norm this layer was ten broadcasting xtensor ops and their backwards.
#include <benchmark/benchmark.h>

#include <xgrad/xgrad.hpp>

namespace xg = xgrad;
namespace nn = xg::nn;

namespace {

struct Shape4 {
  std::size_t n, c, hw;
};
constexpr Shape4 kShapes[] = {{16, 16, 32}, {16, 32, 16}, {16, 64, 8}};

void BM_BatchNorm2dForwardBackward(benchmark::State& state) {
  const Shape4& s = kShapes[state.range(0)];
  xg::manual_seed(0);
  nn::BatchNorm2d bn(std::int64_t(s.c));
  xg::Tensor x = (xg::randn({s.n, s.c, s.hw, s.hw}) * 2.0 + 1.0).detach().requires_grad_();
  const xg::Tensor dy = xg::randn({s.n, s.c, s.hw, s.hw});
  for (auto _ : state) {
    bn.zero_grad();
    x.set_grad({});
    bn.forward(x).backward(dy);
    benchmark::DoNotOptimize(x.grad().data<float>().data());
  }
  state.SetLabel(xg::to_string(x.shape()));
}
BENCHMARK(BM_BatchNorm2dForwardBackward)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
