// Conv2d forward + backward at the tiny-YOLO shapes: a batch of 16 3x64x64 images through
// 3x3 convs 3->16->32->64, each stride 2 padding 1, then a 1x1 head to 24 channels (16 x 24 x 8 x 8),
// and the backward pass for every weight and bias (not for the images). bench/conv_torch.py
// times the same in PyTorch; bench/compare_conv.sh runs both and prints the ratio.
// OPENBLAS_NUM_THREADS sets xgrad's thread count; OPENBLAS_CORETYPE=SkylakeX gives OpenBLAS 0.3.21
// its AVX-512 kernels on CPUs it does not know (AMD Zen 4/5), where it falls back to AVX2.
// The per-layer benchmarks show where time goes.
#include <benchmark/benchmark.h>

#include <xgrad/xgrad.hpp>

namespace xg = xgrad;
namespace nn = xg::nn;

namespace {

struct Layer {
  std::int64_t in, out, kernel, stride, padding;
  std::size_t size;  // input height and width
};
constexpr Layer kLayers[] = {{3, 16, 3, 2, 1, 64}, {16, 32, 3, 2, 1, 32}, {32, 64, 3, 2, 1, 16}, {64, 24, 1, 1, 0, 8}};
constexpr std::size_t kBatch = 16;

void BM_TinyYoloConvStack(benchmark::State& state) {
  xg::manual_seed(0);
  nn::Sequential net;
  for (const Layer& l : kLayers)
    net.push_back(std::make_shared<nn::Conv2d>(l.in, l.out, l.kernel, l.stride, l.padding));
  const xg::Tensor x = xg::randn({kBatch, 3, 64, 64});
  const xg::Tensor dy = xg::randn({kBatch, 24, 8, 8});
  for (auto _ : state) {
    net.zero_grad();
    net.forward(x).backward(dy);
    benchmark::DoNotOptimize(net.parameters()[0].grad().data<float>().data());
  }
}
BENCHMARK(BM_TinyYoloConvStack)->Unit(benchmark::kMillisecond)->UseRealTime();

// One layer, forward + backward, with the input's gradient too except for the first layer.
void BM_ConvLayer(benchmark::State& state) {
  const Layer& l = kLayers[state.range(0)];
  xg::manual_seed(0);
  nn::Conv2d conv(l.in, l.out, l.kernel, l.stride, l.padding);
  xg::Tensor x = xg::randn({kBatch, std::size_t(l.in), l.size, l.size});
  if (state.range(0) > 0) x.requires_grad_();
  const xg::Tensor probe = conv.forward(x);
  const xg::Tensor dy = xg::randn(probe.shape());
  for (auto _ : state) {
    conv.zero_grad();
    x.set_grad({});
    conv.forward(x).backward(dy);
    benchmark::DoNotOptimize(conv.weight.grad().data<float>().data());
  }
  state.SetLabel(std::to_string(l.in) + "->" + std::to_string(l.out) + " k" + std::to_string(l.kernel) + " s" +
                 std::to_string(l.stride) + " at " + std::to_string(l.size) + "x" + std::to_string(l.size));
}
BENCHMARK(BM_ConvLayer)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Forward alone, under NoGradGuard: inference.
void BM_TinyYoloConvStackForward(benchmark::State& state) {
  xg::manual_seed(0);
  nn::Sequential net;
  for (const Layer& l : kLayers)
    net.push_back(std::make_shared<nn::Conv2d>(l.in, l.out, l.kernel, l.stride, l.padding));
  const xg::Tensor x = xg::randn({kBatch, 3, 64, 64});
  xg::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(net.forward(x).data<float>().data());
}
BENCHMARK(BM_TinyYoloConvStackForward)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
