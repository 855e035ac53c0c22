// nn/module.*: model(x), and state_dict / load_state_dict with a key prefix, so that one
// safetensors file holds a model and its optimizer and both load with strict checking.
#include <filesystem>

#include "helpers.hpp"

namespace nn = xg::nn;

namespace {
struct Mlp : nn::Module {
  std::shared_ptr<nn::Linear> fc1, fc2;
  Mlp()
      : fc1(register_module("fc1", std::make_shared<nn::Linear>(3, 4))),
        fc2(register_module("fc2", std::make_shared<nn::Linear>(4, 1))) {}
  xg::Tensor forward(const xg::Tensor& x) override { return fc2->forward(xg::relu(fc1->forward(x))); }
};
}  // namespace

TEST(ModuleCall, CallOperatorIsForward) {
  xg::manual_seed(1);
  Mlp net;
  const xg::Tensor x = xg::randn({5, 3});
  EXPECT_EQ(values(net(x)), values(net.forward(x)));
  auto seq = nn::sequential({std::make_shared<nn::Linear>(3, 2), std::make_shared<nn::Tanh>()});
  EXPECT_EQ(values((*seq)(x)), values(seq->forward(x)));
}

TEST(ModuleState, ModelAndOptimizerShareOneFileStrictly) {
  xg::manual_seed(2);
  Mlp net;
  xg::optim::Adam opt(net.parameters(), {.lr = 0.01});
  const xg::Tensor x = xg::randn({8, 3});
  for (int i = 0; i < 2; ++i) {
    opt.zero_grad();
    net(x).pow(2.0).mean().backward();
    opt.step();
  }
  xg::StateDict all = net.state_dict("model.");
  EXPECT_TRUE(all.count("model.fc1.weight"));
  all.merge(opt.state_dict("optimizer."));
  const auto path = std::filesystem::temp_directory_path() / "xgrad_test_module_state.safetensors";
  xg::save(all, path);
  const xg::StateDict loaded = xg::load(path);
  std::filesystem::remove(path);

  xg::manual_seed(99);  // other initial weights
  Mlp net2;
  xg::optim::Adam opt2(net2.parameters(), {.lr = 0.01});
  const nn::LoadResult r = net2.load_state_dict(loaded, "model.");  // strict: the optimizer's keys are not its
  EXPECT_TRUE(r.ok()) << r;
  opt2.load_state_dict(loaded, "optimizer.");
  EXPECT_EQ(values(net2(x)), values(net(x)));
  // One more step each gives the same weights: the optimizer state came along.
  for (auto* p : {&opt, &opt2}) p->zero_grad();
  net(x).pow(2.0).mean().backward();
  net2(x).pow(2.0).mean().backward();
  opt.step();
  opt2.step();
  EXPECT_EQ(values(net2.fc1->weight), values(net.fc1->weight));

  // Strict still means strict under the prefix: a missing or unexpected key there throws.
  xg::StateDict broken = loaded;
  broken.erase("model.fc2.bias");
  broken.emplace("model.fc3.weight", xg::zeros({1}));
  EXPECT_ERROR(net2.load_state_dict(broken, "model."), "load_state_dict", "missing key 'fc2.bias'",
               "unexpected key 'fc3.weight'");
  // Without the prefix the merged file does not fit the model.
  EXPECT_ERROR(net2.load_state_dict(loaded), "load_state_dict", "unexpected key 'model.fc1.weight'");
}
