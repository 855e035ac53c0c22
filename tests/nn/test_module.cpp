#include <sstream>

#include "helpers.hpp"

namespace nn = xg::nn;

namespace {

// A small classifier shaped like the DESIGN example: a conv backbone in a Sequential, a head.
struct Net : nn::Module {
  std::shared_ptr<nn::Sequential> backbone;
  std::shared_ptr<nn::Linear> head;
  Net()
      : backbone(register_module(
            "backbone", nn::sequential({std::make_shared<nn::Conv2d>(1, 4, 3), std::make_shared<nn::BatchNorm2d>(4),
                                        std::make_shared<nn::ReLU>(), std::make_shared<nn::AdaptiveAvgPool2d>(1),
                                        std::make_shared<nn::Flatten>(), std::make_shared<nn::Dropout>(0.5)}))),
        head(register_module("head", std::make_shared<nn::Linear>(4, 2))) {}
  xg::Tensor forward(const xg::Tensor& x) override { return head->forward(backbone->forward(x)); }
};

std::vector<std::string> names(const nn::NamedTensors& list) {
  std::vector<std::string> out;
  for (const auto& [name, t] : list) out.push_back(name);
  return out;
}

std::vector<std::string> keys(const xg::StateDict& d) {
  std::vector<std::string> out;
  for (const auto& [name, t] : d) out.push_back(name);
  return out;
}

TEST(Module, NamedParametersAreDottedInRegistrationOrder) {
  Net net;
  EXPECT_EQ(names(net.named_parameters()),
            (std::vector<std::string>{"backbone.0.weight", "backbone.0.bias", "backbone.1.weight", "backbone.1.bias",
                                      "head.weight", "head.bias"}));
  EXPECT_EQ(net.parameters().size(), 6u);
  EXPECT_TRUE(net.named_parameters(/*recurse=*/false).empty());
  EXPECT_EQ(names(net.head->named_parameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(names(net.named_buffers()), (std::vector<std::string>{"backbone.1.running_mean", "backbone.1.running_var",
                                                                  "backbone.1.num_batches_tracked"}));
  for (const auto& p : net.parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(Module, ParametersAreTheLayersOwnTensors) {
  Net net;
  EXPECT_TRUE(net.parameters()[4].is_same(net.head->weight));
}

TEST(Module, ChildrenAndModules) {
  Net net;
  ASSERT_EQ(net.children().size(), 2u);
  EXPECT_EQ(net.children()[1], net.head);
  std::vector<std::string> all;
  for (const auto& [name, m] : net.named_modules()) all.push_back(name + ":" + m->name());
  EXPECT_EQ(all, (std::vector<std::string>{"backbone:Sequential", "backbone.0:Conv2d", "backbone.1:BatchNorm2d",
                                           "backbone.2:ReLU", "backbone.3:AdaptiveAvgPool2d", "backbone.4:Flatten",
                                           "backbone.5:Dropout", "head:Linear"}));
}

TEST(Module, StateDictHoldsParametersAndBuffers) {
  Net net;
  EXPECT_EQ(keys(net.state_dict()),
            (std::vector<std::string>{"backbone.0.bias", "backbone.0.weight", "backbone.1.bias",
                                      "backbone.1.num_batches_tracked", "backbone.1.running_mean",
                                      "backbone.1.running_var", "backbone.1.weight", "head.bias", "head.weight"}));
  EXPECT_EQ(net.state_dict().at("backbone.1.num_batches_tracked").dtype(), xg::kInt64);
}

TEST(Module, StateDictIsASnapshot) {
  Net net;
  xg::StateDict d = net.state_dict();
  d.at("head.bias").data<float>().fill(42.0f);
  EXPECT_NE(net.head->bias.data<float>()(0), 42.0f);
}

TEST(Module, SharedTensorsAndModulesAreListedOnce) {
  // A tied layer: the same Linear twice. parameters() lists it once (an optimizer must not step
  // it twice), state_dict() under both names, as PyTorch does.
  struct Tied : nn::Module {
    std::shared_ptr<nn::Linear> a = register_module("a", std::make_shared<nn::Linear>(3, 3));
    std::shared_ptr<nn::Linear> b = register_module("b", a);
  } tied;
  EXPECT_EQ(names(tied.named_parameters()), (std::vector<std::string>{"a.weight", "a.bias"}));
  EXPECT_EQ(tied.named_modules().size(), 1u);
  EXPECT_EQ(keys(tied.state_dict()), (std::vector<std::string>{"a.bias", "a.weight", "b.bias", "b.weight"}));
}

TEST(Module, RegistrationErrors) {
  nn::Module m;
  m.register_parameter("w", xg::zeros({2}));
  EXPECT_ERROR(m.register_parameter("w", xg::zeros({2})), "register_parameter", "already has", "'w'");
  EXPECT_ERROR(m.register_buffer("w", xg::zeros({2})), "register_buffer", "already has", "'w'");
  EXPECT_ERROR(m.register_parameter("a.b", xg::zeros({2})), "register_parameter", "'a.b'", "'.'");
  EXPECT_ERROR(m.register_parameter("", xg::zeros({2})), "register_parameter", "empty");
  EXPECT_ERROR(m.register_parameter("i", xg::zeros({2}, xg::kInt64)), "register_parameter", "'i'", "int64");
  EXPECT_ERROR(m.register_parameter("u", xg::Tensor()), "register_parameter", "'u'", "undefined");
  xg::Tensor leaf_param = xg::zeros({2}).requires_grad_();
  EXPECT_ERROR(m.register_parameter("c", leaf_param * 2.0), "register_parameter", "'c'", "detach");
  EXPECT_ERROR(m.register_module("n", std::shared_ptr<nn::Linear>()), "register_module", "'n'", "null");
  auto outer = std::make_shared<nn::Sequential>();
  auto inner = outer->push_back(std::make_shared<nn::Sequential>());
  EXPECT_ERROR(inner->register_module("loop", outer), "register_module", "'loop'", "its own descendant");
  EXPECT_ERROR(m.forward(xg::zeros({1})), "forward", "Module", "does not define forward");
}

TEST(Module, TrainAndEvalReachEveryDescendant) {
  Net net;
  EXPECT_TRUE(net.is_training());
  net.eval();
  EXPECT_FALSE(net.is_training());
  for (const auto& [name, m] : net.named_modules()) EXPECT_FALSE(m->is_training()) << name;
  net.train();
  for (const auto& [name, m] : net.named_modules()) EXPECT_TRUE(m->is_training()) << name;
}

TEST(Module, EvalSwitchesDropoutAndBatchNorm) {
  xg::manual_seed(51);
  Net net;
  const xg::Tensor x = xg::randn({4, 1, 6, 6});
  // Training: Dropout draws a new mask each call and BatchNorm counts the batches.
  const auto a = values(net.forward(x)), b = values(net.forward(x));
  EXPECT_NE(a, b);
  EXPECT_EQ(net.backbone->named_children()[1].second->named_buffers()[2].second.item(), 2.0);
  net.eval();
  const auto c = values(net.forward(x)), d = values(net.forward(x));
  EXPECT_EQ(c, d);  // deterministic, and no statistics update
  EXPECT_EQ(net.backbone->named_children()[1].second->named_buffers()[2].second.item(), 2.0);
}

TEST(Module, ZeroGradClearsEveryParameter) {
  xg::manual_seed(52);
  Net net;
  net.forward(xg::randn({2, 1, 5, 5})).sum().backward();
  for (const auto& p : net.parameters()) EXPECT_TRUE(p.grad().defined());
  net.zero_grad();
  for (const auto& p : net.parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Module, ToConvertsInPlace) {
  xg::manual_seed(53);
  Net net;
  const xg::Tensor w = net.head->weight;  // a handle taken before the conversion
  const auto before = values(w);
  net.forward(xg::randn({2, 1, 5, 5})).sum().backward();
  net.to(xg::kFloat64);
  EXPECT_EQ(w.dtype(), xg::kFloat64);
  EXPECT_TRUE(w.is_same(net.head->weight));
  EXPECT_EQ(values(w), before);  // float32 -> float64 is exact
  EXPECT_EQ(w.grad().dtype(), xg::kFloat64);
  EXPECT_TRUE(w.requires_grad());
  for (const auto& [name, b] : net.named_buffers())
    EXPECT_EQ(b.dtype(), name.ends_with("num_batches_tracked") ? xg::kInt64 : xg::kFloat64) << name;
  EXPECT_EQ(net.forward(xg::randn({2, 1, 5, 5}, xg::kFloat64)).dtype(), xg::kFloat64);
  EXPECT_ERROR(net.to(xg::kInt64), "to", "Net", "int64");
}

TEST(Module, LoadStateDictRoundTrip) {
  xg::manual_seed(54);
  Net a;
  xg::manual_seed(55);
  Net b;
  a.eval();
  b.eval();
  const xg::Tensor x = xg::randn({3, 1, 6, 6});
  EXPECT_NE(values(a.forward(x)), values(b.forward(x)));
  const nn::LoadResult r = b.load_state_dict(a.state_dict());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(values(a.forward(x)), values(b.forward(x)));
  EXPECT_TRUE(b.head->weight.is_same(b.parameters()[4])) << "loading must keep the parameter tensors";
}

TEST(Module, LoadStateDictErrorsNameKeysAndShapes) {
  Net net;
  const xg::StateDict good = net.state_dict();
  const auto weight_before = values(net.head->weight);

  xg::StateDict missing = good;
  missing.erase("head.bias");
  EXPECT_ERROR(net.load_state_dict(missing), "load_state_dict", "Net", "missing key 'head.bias'", "(2) float32");

  xg::StateDict unexpected = good;
  unexpected["head.extra"] = xg::zeros({7});
  EXPECT_ERROR(net.load_state_dict(unexpected), "load_state_dict", "unexpected key 'head.extra'", "(7)");

  xg::StateDict wrong_shape = good;
  wrong_shape["head.weight"] = xg::zeros({3, 4});
  EXPECT_ERROR(net.load_state_dict(wrong_shape), "load_state_dict", "'head.weight'", "the dict has (3, 4) float32",
               "the module has (2, 4) float32");

  xg::StateDict wrong_dtype = good;
  wrong_dtype["head.weight"] = xg::zeros({2, 4}, xg::kFloat64);
  EXPECT_ERROR(net.load_state_dict(wrong_dtype), "load_state_dict", "'head.weight'", "(2, 4) float64",
               "(2, 4) float32");

  // Every problem in one message, and a failed load changes nothing.
  xg::StateDict many = wrong_shape;
  many.erase("head.bias");
  many["head.bias"] = xg::zeros({2});
  many["head.bias"].data<float>().fill(9.0f);
  many.erase("backbone.0.bias");
  EXPECT_ERROR(net.load_state_dict(many), "'head.weight'", "missing key 'backbone.0.bias'");
  EXPECT_EQ(values(net.head->weight), weight_before);
  EXPECT_NE(values(net.head->bias), (std::vector<double>{9, 9}));
}

TEST(Module, NonStrictLoadSkipsAndReports) {
  xg::manual_seed(56);
  Net net;
  xg::StateDict d = net.state_dict();
  d.erase("backbone.0.bias");
  d["extra"] = xg::zeros({1});
  d["head.weight"] = xg::zeros({3, 4});  // a new head with 3 classes: skipped
  d["head.bias"] = xg::full({2}, 0.25);  // fits: loaded
  const nn::LoadResult r = net.load_state_dict(d, /*strict=*/false);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.missing_keys, std::vector<std::string>{"backbone.0.bias"});
  EXPECT_EQ(r.unexpected_keys, std::vector<std::string>{"extra"});
  ASSERT_EQ(r.mismatched_keys.size(), 1u);
  EXPECT_EQ(r.mismatched_keys[0], "head.weight: dict (3, 4) float32, module (2, 4) float32");
  EXPECT_EQ(values(net.head->bias), (std::vector<double>{0.25, 0.25}));
  std::ostringstream s;
  s << r;
  EXPECT_EQ(s.str(),
            "missing: [backbone.0.bias]; unexpected: [extra]; mismatched: [head.weight: dict (3, 4) float32, module "
            "(2, 4) float32]");
}

TEST(Module, PrintsLikePyTorch) {
  Net net;
  std::ostringstream s;
  s << net;
  EXPECT_EQ(s.str(),
            "Net(\n"
            "  (backbone): Sequential(\n"
            "    (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))\n"
            "    (1): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)\n"
            "    (2): ReLU()\n"
            "    (3): AdaptiveAvgPool2d(output_size=(1, 1))\n"
            "    (4): Flatten(start_dim=1, end_dim=-1)\n"
            "    (5): Dropout(p=0.5)\n"
            "  )\n"
            "  (head): Linear(in_features=4, out_features=2, bias=true)\n"
            ")");
}

}  // namespace
