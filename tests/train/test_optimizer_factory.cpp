// Optimizers and schedules by name (train/optimizer_factory.*): each name makes the optimizer it
// says with the settings given, and an unknown name is refused listing the known ones.
#include <gtest/gtest.h>

#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/adamw.hpp>
#include <xgrad/optim/lr_scheduler.hpp>
#include <xgrad/optim/one_cycle_lr.hpp>
#include <xgrad/optim/rmsprop.hpp>
#include <xgrad/optim/sgd.hpp>
#include <xgrad/train/optimizer_factory.hpp>

#include "../core/helpers.hpp"

namespace xtr = xgrad::train;
namespace optim = xgrad::optim;

TEST(OptimizerFactory, EachNameMakesItsOptimizer) {
  const std::vector<xg::Tensor> params = {xg::zeros({3}).requires_grad_()};
  const xtr::OptimizerSettings s{.lr = 0.05, .momentum = 0.5, .weight_decay = 0.25};
  auto sgd = xtr::make_optimizer("sgd", params, s);
  ASSERT_NE(dynamic_cast<optim::SGD*>(sgd.get()), nullptr);
  EXPECT_EQ(sgd->option(0, "momentum"), 0.5);
  EXPECT_EQ(sgd->option(0, "weight_decay"), 0.25);
  EXPECT_NE(dynamic_cast<optim::SGD*>(xtr::make_optimizer("momentum", params, s).get()), nullptr);
  EXPECT_NE(dynamic_cast<optim::RMSprop*>(xtr::make_optimizer("rmsprop", params, s).get()), nullptr);
  auto adam = xtr::make_optimizer("adam", params, s);
  ASSERT_NE(dynamic_cast<optim::Adam*>(adam.get()), nullptr);
  EXPECT_EQ(adam->name(), "Adam");
  EXPECT_FALSE(dynamic_cast<optim::Adam&>(*adam).options().decoupled_weight_decay);
  auto adamw = xtr::make_optimizer("adamw", params, s);
  ASSERT_NE(dynamic_cast<optim::AdamW*>(adamw.get()), nullptr);
  EXPECT_EQ(adamw->name(), "AdamW");
  EXPECT_EQ(adamw->lr(), 0.05);
  EXPECT_EQ(adamw->option(0, "weight_decay"), 0.25);
  for (const std::string& name : xtr::optimizer_names()) EXPECT_EQ(xtr::make_optimizer(name, params, s)->lr(), 0.05);
  EXPECT_TRUE(xtr::uses_momentum("sgd") && xtr::uses_momentum("momentum") && !xtr::uses_momentum("adam"));
  EXPECT_ERROR(xtr::make_optimizer("lbfgs", params, s), "make_optimizer",
               "unknown optimizer 'lbfgs'; expected sgd, momentum, rmsprop, adam or adamw");
}

TEST(OptimizerFactory, EachNameMakesItsSchedule) {
  const std::vector<xg::Tensor> params = {xg::zeros({3}).requires_grad_()};
  auto opt = xtr::make_optimizer("sgd", params, {.lr = 1.0});
  EXPECT_EQ(xtr::make_scheduler("none", *opt, {}), nullptr);
  auto cosine = xtr::make_scheduler("cosine", *opt, {.length = 4});
  ASSERT_NE(dynamic_cast<optim::CosineAnnealingLR*>(cosine.get()), nullptr);
  cosine->step();
  cosine->step();
  EXPECT_NEAR(opt->lr(), 0.5, 1e-12);  // half way down the half cosine
  auto opt2 = xtr::make_optimizer("adam", params, {.lr = 1.0});
  auto one_cycle = xtr::make_scheduler("onecycle", *opt2, {.length = 10, .max_lr = 0.4});
  ASSERT_NE(dynamic_cast<optim::OneCycleLR*>(one_cycle.get()), nullptr);
  EXPECT_NEAR(opt2->lr(), 0.4 / 25, 1e-15);  // OneCycleLR starts at max_lr / div_factor
  EXPECT_ERROR(xtr::make_scheduler("step", *opt, {}), "make_scheduler",
               "unknown schedule 'step'; expected none, cosine or onecycle");
}
