// A model saved with xg::save and loaded back with xg::load + load_state_dict gives bit-identical
// outputs: the whole path from module to file and back.
#include <cstring>

#include "helpers.hpp"

namespace nn = xg::nn;

namespace {

// The tiny-YOLO-shaped stack the detector trains: conv + BN + LeakyReLU blocks and a 1x1 head.
std::shared_ptr<nn::Sequential> tiny_yolo() {
  auto net = std::make_shared<nn::Sequential>();
  std::int64_t in = 3;
  for (std::int64_t out : {16, 32, 64}) {
    net->push_back(std::make_shared<nn::Conv2d>(in, out, 3, 2, 1, false));
    net->push_back(std::make_shared<nn::BatchNorm2d>(out));
    net->push_back(std::make_shared<nn::LeakyReLU>(0.1));
    in = out;
  }
  net->push_back(std::make_shared<nn::Conv2d>(in, 24, 1));
  return net;
}

bool bit_identical(const xg::Tensor& a, const xg::Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::visit(
             [&](const auto& x) {
               using A = std::decay_t<decltype(x)>;
               return x.size() == 0 ||
                      std::memcmp(x.data(), std::get<A>(b.storage()).data(), x.size() * sizeof(*x.data())) == 0;
             },
             a.storage());
}

class Checkpoint : public TempDirTest {};

TEST_F(Checkpoint, SavedAndLoadedModelGivesBitIdenticalOutputs) {
  for (xg::Dtype dtype : {xg::kFloat32, xg::kFloat64}) {
    xg::manual_seed(141);
    auto trained = tiny_yolo();
    trained->to(dtype);
    // A few training-mode steps so the BatchNorm running statistics are not the defaults.
    for (int step = 0; step < 3; ++step) trained->forward(xg::randn({4, 3, 32, 32}, dtype));
    trained->eval();
    const xg::Tensor x = xg::randn({2, 3, 32, 32}, dtype);
    const xg::Tensor want = trained->forward(x);

    xg::save(trained->state_dict(), path("yolo.safetensors"));
    xg::manual_seed(142);  // a differently initialized copy
    auto restored = tiny_yolo();
    restored->to(dtype);
    restored->eval();
    EXPECT_FALSE(bit_identical(restored->forward(x), want));
    EXPECT_TRUE(restored->load_state_dict(xg::load(path("yolo.safetensors"))).ok());
    EXPECT_TRUE(bit_identical(restored->forward(x), want)) << xg::dtype_name(dtype);
    EXPECT_EQ(restored->state_dict().at("1.num_batches_tracked").item(), 3.0);
  }
}

TEST_F(Checkpoint, LoadingIntoAnotherArchitectureNamesTheKeys) {
  nn::Sequential small{std::make_shared<nn::Linear>(4, 3)};
  xg::save(small.state_dict(), path("small.safetensors"));
  nn::Sequential other{std::make_shared<nn::Linear>(5, 3)};
  EXPECT_ERROR(other.load_state_dict(xg::load(path("small.safetensors"))), "load_state_dict", "'0.weight'",
               "(3, 4) float32", "(3, 5) float32");
}

}  // namespace
