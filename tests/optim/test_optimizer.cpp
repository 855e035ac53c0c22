// What every optimizer shares (optim/optimizer.*): parameter groups and their checks, zero_grad,
// skipping parameters without a gradient, options by name, float32.
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/adamw.hpp>
#include <xgrad/optim/rmsprop.hpp>
#include <xgrad/optim/sgd.hpp>

#include "helpers.hpp"

namespace {

namespace optim = xg::optim;

xg::Tensor param(const xg::Shape& shape, double value = 1.0, xg::Dtype dtype = xg::kFloat64) {
  return xg::full(shape, value, dtype).requires_grad_();
}

TEST(Optimizer, ZeroGradSetsToNoneByDefault) {
  xg::Tensor w = param({3});
  optim::SGD opt({w}, {.lr = 0.1});
  (w * w).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  opt.zero_grad();
  EXPECT_FALSE(w.grad().defined());
}

TEST(Optimizer, ZeroGradWithoutSetToNoneFillsZerosInPlace) {
  xg::Tensor w = param({3});
  optim::SGD opt({w}, {.lr = 0.1});
  (w * w).sum().backward();
  const xg::Tensor grad_before = w.grad();
  opt.zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(w.grad().defined());
  EXPECT_TRUE(w.grad().is_same(grad_before));  // the same tensor, zeroed
  EXPECT_EQ(flat_values(w.grad()), (std::vector<double>{0, 0, 0}));
  // backward accumulates into the zeroed gradient: d/dw sum(w^2) = 2w = 2.
  (w * w).sum().backward();
  EXPECT_EQ(flat_values(w.grad()), (std::vector<double>{2, 2, 2}));
}

TEST(Optimizer, WithoutZeroGradGradientsAccumulate) {
  xg::Tensor w = param({1}, 0.0);
  optim::SGD opt({w}, {.lr = 1.0});
  // d/dw sum(3w) = 3 twice without zero_grad: the step uses 6.
  (w * 3.0).sum().backward();
  (w * 3.0).sum().backward();
  opt.step();
  EXPECT_EQ(flat_values(w), (std::vector<double>{-6.0}));
}

TEST(Optimizer, StepSkipsParametersWithoutGradient) {
  xg::Tensor used = param({2}, 1.0), unused = param({2}, 5.0);
  optim::Adam adam({used, unused}, {.lr = 0.1});
  optim::SGD sgd({unused}, {.lr = 0.1, .momentum = 0.9});
  (used * used).sum().backward();
  adam.step();
  sgd.step();
  EXPECT_EQ(flat_values(unused), (std::vector<double>{5.0, 5.0}));
  EXPECT_NE(flat_values(used), (std::vector<double>{1.0, 1.0}));
  // And no state was created for it.
  const xg::StateDict sd = adam.state_dict();
  EXPECT_TRUE(sd.count("state.0.exp_avg"));
  EXPECT_FALSE(sd.count("state.1.exp_avg"));
  EXPECT_FALSE(sd.count("state.1.step"));
}

TEST(Optimizer, StepUpdatesTheTensorsTheCallerHolds) {
  xg::Tensor w = param({2, 2});
  const auto* storage = &w.data<double>();
  optim::SGD opt({w}, {.lr = 0.5});
  (w * w).sum().backward();
  opt.step();
  // In place: the same array, now 1 - 0.5 * 2 = 0.
  EXPECT_EQ(&w.data<double>(), storage);
  EXPECT_EQ(flat_values(w), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_FALSE(w.grad_fn());
  EXPECT_TRUE(w.requires_grad());
}

TEST(Optimizer, StepRecordsNoGraph) {
  xg::Tensor w = param({2});
  optim::Adam opt({w}, {.lr = 0.1});
  (w * w).sum().backward();
  const auto nodes = xg::Node::live_count();
  opt.step();
  EXPECT_EQ(xg::Node::live_count(), nodes);
  EXPECT_TRUE(w.is_leaf());
}

TEST(Optimizer, ParamGroupsHaveTheirOwnOptions) {
  xg::Tensor a = param({1}, 0.0), b = param({1}, 0.0);
  optim::SGD opt({{{a}, {.lr = 1.0}}, {{b}, {.lr = 0.25}}});
  ASSERT_EQ(opt.num_param_groups(), 2u);
  (a * 2.0 + b * 2.0).sum().backward();  // both gradients are 2
  opt.step();
  EXPECT_EQ(flat_values(a), (std::vector<double>{-2.0}));
  EXPECT_EQ(flat_values(b), (std::vector<double>{-0.5}));
  EXPECT_EQ(opt.lr(0), 1.0);
  EXPECT_EQ(opt.lr(1), 0.25);
  EXPECT_EQ(opt.parameters().size(), 2u);
}

TEST(Optimizer, AddParamGroup) {
  xg::Tensor a = param({1}), b = param({1});
  optim::Adam opt({a}, {.lr = 0.1});
  opt.add_param_group({{b}, {.lr = 0.01, .amsgrad = true}});
  EXPECT_EQ(opt.num_param_groups(), 2u);
  EXPECT_TRUE(opt.options(1).amsgrad);
  EXPECT_ERROR(opt.add_param_group({{a}, {}}), "Adam", "already parameter 0 of group 0");
  EXPECT_ERROR(opt.add_param_group({{param({1})}, {.lr = -1}}), "Adam", "lr", "-1");
  EXPECT_EQ(opt.num_param_groups(), 2u);  // the failed additions changed nothing
}

TEST(Optimizer, OptionsByName) {
  xg::Tensor w = param({1});
  optim::Adam opt({w}, {.lr = 0.1, .betas = {0.8, 0.99}});
  EXPECT_TRUE(opt.has_option("beta1"));
  EXPECT_FALSE(opt.has_option("momentum"));
  EXPECT_EQ(opt.option(0, "beta1"), 0.8);
  EXPECT_EQ(opt.option(0, "amsgrad"), 0.0);
  opt.set_option(0, "beta1", 0.5);
  opt.set_lr(0, 0.02);
  EXPECT_EQ(opt.options().betas[0], 0.5);
  EXPECT_EQ(opt.options().lr, 0.02);
  opt.set_option(0, "amsgrad", 1);
  EXPECT_TRUE(opt.options().amsgrad);
  EXPECT_ERROR(opt.set_option(0, "beta1", 1.0), "Adam", "betas[0]", "[0, 1)", "1");
  EXPECT_EQ(opt.options().betas[0], 0.5);  // unchanged by the failed set
  EXPECT_ERROR(opt.set_option(0, "momentum", 0.9), "Adam", "no option 'momentum'", "'beta1'");
  EXPECT_ERROR(opt.option(3, "lr"), "Adam", "group 3");
}

TEST(Optimizer, ParameterListedTwiceIsAnError) {
  xg::Tensor w = param({2}), b = param({2});
  EXPECT_ERROR(optim::SGD({w, b, w}, {.lr = 0.1}), "SGD", "parameter 2 of group 0 is listed twice", "also as 0");
  EXPECT_ERROR(optim::Adam({{{w}, {}}, {{b, w}, {}}}), "Adam",
               "parameter 1 of group 1 is already parameter 0 of group 0");
  // A copy of the handle is the same parameter.
  xg::Tensor alias = w;
  EXPECT_ERROR(optim::RMSprop({w, alias}), "RMSprop", "listed twice");
}

TEST(Optimizer, BadParametersAreErrors) {
  xg::Tensor w = param({2});
  EXPECT_ERROR(optim::SGD(std::vector<xg::Tensor>{}, {.lr = 0.1}), "SGD", "empty");
  EXPECT_ERROR(optim::SGD({xg::Tensor()}, {.lr = 0.1}), "SGD", "parameter 0 of group 0", "undefined");
  EXPECT_ERROR(optim::SGD({w, xg::arange(0, 3, 1, xg::kInt64)}, {.lr = 0.1}), "SGD", "float32 or float64",
               "parameter 1", "int64");
  EXPECT_ERROR(optim::Adam({w * 2.0}), "Adam", "non-leaf", "'mul'", "detach()");
  EXPECT_ERROR(optim::AdamW(std::vector<optim::ParamGroup<optim::AdamWOptions>>{}), "AdamW", "no parameter groups");
}

TEST(Optimizer, FloatThirtyTwoParametersWork) {
  // Every optimizer steps float32 parameters in float32, close to the float64 run.
  auto run = [](xg::Dtype dtype, auto make) {
    Problem problem(dtype);
    auto opt = make(problem.trained());
    for (int i = 0; i < 20; ++i) problem.train_step(opt);
    EXPECT_EQ(problem.params.at("w").dtype(), dtype);
    return flat_values(problem.params.at("w"));
  };
  auto check = [&](auto make) {
    const auto f32 = run(xg::kFloat32, make), f64 = run(xg::kFloat64, make);
    for (std::size_t i = 0; i < f64.size(); ++i) EXPECT_NEAR(f32[i], f64[i], 1e-4 * std::max(1.0, std::abs(f64[i])));
  };
  check([](std::vector<xg::Tensor> p) { return optim::SGD(p, {.lr = 0.01, .momentum = 0.9, .nesterov = true}); });
  check([](std::vector<xg::Tensor> p) { return optim::Adam(p, {.lr = 0.05, .amsgrad = true}); });
  check([](std::vector<xg::Tensor> p) { return optim::AdamW(p, {.lr = 0.05}); });
  check([](std::vector<xg::Tensor> p) { return optim::RMSprop(p, {.lr = 0.01, .momentum = 0.5, .centered = true}); });
}

TEST(Optimizer, MixedDtypesInOneOptimizer) {
  xg::Tensor a = param({2}, 1.0, xg::kFloat32), b = param({2}, 1.0, xg::kFloat64);
  optim::Adam opt({a, b}, {.lr = 0.1});
  (a * a).sum().backward();
  (b * b).sum().backward();
  opt.step();
  EXPECT_EQ(opt.state_dict().at("state.0.exp_avg").dtype(), xg::kFloat32);
  EXPECT_EQ(opt.state_dict().at("state.1.exp_avg").dtype(), xg::kFloat64);
  // The first Adam step moves each element by lr * g / (|g| + eps), g = 2.
  EXPECT_NEAR(flat_values(a)[0], 1 - 0.1 * 2 / (2 + 1e-8), 1e-7);
  EXPECT_NEAR(flat_values(b)[0], 1 - 0.1 * 2 / (2 + 1e-8), 1e-15);
}

TEST(Optimizer, ParameterReshapedUnderTheOptimizerIsAnError) {
  // The update loops walk the parameter and its buffers side by side: a parameter whose array was
  // replaced by one of another size must be refused, not read past the end of its buffers.
  xg::Tensor w = param({2});
  optim::Adam opt({w}, {.lr = 0.1});
  (w * w).sum().backward();
  opt.step();
  w.data<double>() = xt::xarray<double>{1.0, 2.0, 3.0};
  opt.zero_grad();
  (w * w).sum().backward();
  EXPECT_ERROR(opt.step(), "Adam.step", "has shape (2)", "now has shape (3)");
}

}  // namespace
