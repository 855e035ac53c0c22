// The field-order rule of every options struct (docs/api.md, "Options structs"): the op's own
// fields first, in PyTorch's argument order, then the shared ones it has, always `reduction`,
// then `eps`, last. Designated initializers must follow declaration order, so each test below
// names every field of one struct in the documented order: a struct whose fields move away from
// the rule stops this file from compiling. The values are all different, and each is read back
// from the field it was given to.
#include <gtest/gtest.h>

#include <xgrad/xgrad.hpp>

namespace xg = xgrad;
namespace xl = xgrad::losses;
namespace xo = xgrad::optim;
using xl::Reduction;

TEST(OptionsOrder, Core) {
  const xg::GradcheckOptions g{.atol = 1e-4, .rtol = 1e-2, .eps = 1e-7};
  EXPECT_EQ(g.atol, 1e-4);
  EXPECT_EQ(g.rtol, 1e-2);
  EXPECT_EQ(g.eps, 1e-7);
  // BoxIouOptions has a constructor (box_iou(a, b, 0.0)), so no designated initializers; its
  // fields still follow the rule.
  const xg::BoxIouOptions b(1e-3, xg::BoxEpsPolicy::YoloReference, xg::BoxFormat::CXCYWH);
  EXPECT_EQ(b.format, xg::BoxFormat::CXCYWH);
  EXPECT_EQ(b.policy, xg::BoxEpsPolicy::YoloReference);
  EXPECT_EQ(b.eps, 1e-3);
}

TEST(OptionsOrder, Nn) {
  const xg::nn::BatchNormOptions o{.momentum = 0.2, .affine = false, .track_running_stats = false, .eps = 1e-3};
  EXPECT_EQ(o.momentum, 0.2);
  EXPECT_FALSE(o.affine);
  EXPECT_FALSE(o.track_running_stats);
  EXPECT_EQ(o.eps, 1e-3);
}

TEST(OptionsOrder, Losses) {
  const xg::Tensor w = xg::ones({3});
  const xg::Tensor pw = xg::full({3}, 2.0);
  EXPECT_EQ((xl::MSELossOptions{.reduction = Reduction::Sum}).reduction, Reduction::Sum);
  EXPECT_EQ((xl::L1LossOptions{.reduction = Reduction::Sum}).reduction, Reduction::Sum);
  const xl::HuberLossOptions huber{.delta = 0.5, .reduction = Reduction::Sum};
  EXPECT_EQ(huber.delta, 0.5);
  EXPECT_EQ(huber.reduction, Reduction::Sum);
  const xl::SmoothL1LossOptions smooth{.beta = 0.25, .reduction = Reduction::None};
  EXPECT_EQ(smooth.beta, 0.25);
  EXPECT_EQ(smooth.reduction, Reduction::None);
  const xl::KLDivLossOptions kl{.log_target = true, .reduction = Reduction::BatchMean};
  EXPECT_TRUE(kl.log_target);
  EXPECT_EQ(kl.reduction, Reduction::BatchMean);
  const xl::NLLLossOptions nll{.weight = w, .ignore_index = 2, .reduction = Reduction::Sum};
  EXPECT_TRUE(nll.weight.is_same(w));
  EXPECT_EQ(nll.ignore_index, 2);
  EXPECT_EQ(nll.reduction, Reduction::Sum);
  const xl::CrossEntropyLossOptions ce{
      .weight = w, .ignore_index = 1, .label_smoothing = 0.1, .reduction = Reduction::None};
  EXPECT_TRUE(ce.weight.is_same(w));
  EXPECT_EQ(ce.ignore_index, 1);
  EXPECT_EQ(ce.label_smoothing, 0.1);
  EXPECT_EQ(ce.reduction, Reduction::None);
  const xl::BCELossOptions bce{.weight = w, .reduction = Reduction::Sum};
  EXPECT_TRUE(bce.weight.is_same(w));
  EXPECT_EQ(bce.reduction, Reduction::Sum);
  const xl::BCEWithLogitsLossOptions bcel{.weight = w, .pos_weight = pw, .reduction = Reduction::None};
  EXPECT_TRUE(bcel.weight.is_same(w));
  EXPECT_TRUE(bcel.pos_weight.is_same(pw));
  EXPECT_EQ(bcel.reduction, Reduction::None);
  const xl::SigmoidFocalLossOptions focal{.alpha = 0.5, .gamma = 1.0, .reduction = Reduction::Sum};
  EXPECT_EQ(focal.alpha, 0.5);
  EXPECT_EQ(focal.gamma, 1.0);
  EXPECT_EQ(focal.reduction, Reduction::Sum);
  const xl::DiceLossOptions dice{.smooth = 0.0, .reduction = Reduction::None};
  EXPECT_EQ(dice.smooth, 0.0);
  EXPECT_EQ(dice.reduction, Reduction::None);
  const xl::BoxLossOptions box{.reduction = Reduction::Sum, .eps = 1e-9};
  EXPECT_EQ(box.reduction, Reduction::Sum);
  EXPECT_EQ(box.eps, 1e-9);
}

TEST(OptionsOrder, Optimizers) {
  const xo::SGDOptions sgd{
      .lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 1e-4, .nesterov = false, .maximize = true};
  EXPECT_EQ(sgd.lr, 0.1);
  EXPECT_EQ(sgd.momentum, 0.9);
  EXPECT_EQ(sgd.dampening, 0.1);
  EXPECT_EQ(sgd.weight_decay, 1e-4);
  EXPECT_FALSE(sgd.nesterov);
  EXPECT_TRUE(sgd.maximize);
  const xo::AdamOptions adam{
      .lr = 0.01, .betas = {0.8, 0.9}, .weight_decay = 0.1, .amsgrad = true, .maximize = true, .eps = 1e-6};
  EXPECT_EQ(adam.lr, 0.01);
  EXPECT_EQ(adam.betas[0], 0.8);
  EXPECT_EQ(adam.betas[1], 0.9);
  EXPECT_EQ(adam.weight_decay, 0.1);
  EXPECT_TRUE(adam.amsgrad);
  EXPECT_TRUE(adam.maximize);
  EXPECT_EQ(adam.eps, 1e-6);
  const xo::AdamWOptions adamw{
      .lr = 0.02, .betas = {0.7, 0.8}, .weight_decay = 0.2, .amsgrad = true, .maximize = false, .eps = 1e-7};
  EXPECT_EQ(adamw.lr, 0.02);
  EXPECT_EQ(adamw.betas[1], 0.8);
  EXPECT_EQ(adamw.weight_decay, 0.2);
  EXPECT_TRUE(adamw.amsgrad);
  EXPECT_EQ(adamw.eps, 1e-7);
  const xo::RMSpropOptions rms{
      .lr = 0.03, .alpha = 0.9, .weight_decay = 0.3, .momentum = 0.5, .centered = true, .maximize = true, .eps = 1e-5};
  EXPECT_EQ(rms.lr, 0.03);
  EXPECT_EQ(rms.alpha, 0.9);
  EXPECT_EQ(rms.weight_decay, 0.3);
  EXPECT_EQ(rms.momentum, 0.5);
  EXPECT_TRUE(rms.centered);
  EXPECT_TRUE(rms.maximize);
  EXPECT_EQ(rms.eps, 1e-5);
}

TEST(OptionsOrder, Schedulers) {
  EXPECT_EQ((xo::StepLROptions{.step_size = 3, .gamma = 0.5}).gamma, 0.5);
  EXPECT_EQ((xo::MultiStepLROptions{.milestones = {2, 4}, .gamma = 0.5}).milestones.size(), 2u);
  EXPECT_EQ((xo::ExponentialLROptions{.gamma = 0.9}).gamma, 0.9);
  EXPECT_EQ((xo::CosineAnnealingLROptions{.t_max = 10, .eta_min = 0.01}).eta_min, 0.01);
  EXPECT_EQ((xo::LinearLROptions{.start_factor = 0.5, .end_factor = 0.9, .total_iters = 4}).total_iters, 4);
  const xo::ReduceLROnPlateauOptions plateau{.mode = xo::PlateauMode::Max,
                                             .factor = 0.5,
                                             .patience = 2,
                                             .threshold = 1e-3,
                                             .threshold_mode = xo::ThresholdMode::Abs,
                                             .cooldown = 1,
                                             .min_lr = 1e-6,
                                             .eps = 1e-9};
  EXPECT_EQ(plateau.patience, 2);
  EXPECT_EQ(plateau.min_lr, 1e-6);
  EXPECT_EQ(plateau.eps, 1e-9);
  const xo::OneCycleLROptions one{.max_lr = 0.1,
                                  .total_steps = 0,
                                  .epochs = 2,
                                  .steps_per_epoch = 5,
                                  .pct_start = 0.25,
                                  .anneal_strategy = xo::AnnealStrategy::Linear,
                                  .cycle_momentum = false,
                                  .base_momentum = 0.8,
                                  .max_momentum = 0.9,
                                  .div_factor = 10,
                                  .final_div_factor = 100,
                                  .three_phase = true};
  EXPECT_EQ(one.steps_per_epoch, 5);
  EXPECT_EQ(one.final_div_factor, 100);
  EXPECT_TRUE(one.three_phase);
}

TEST(OptionsOrder, DataAndModels) {
  const xg::data::ShapesOptions shapes{
      .image_size = 32, .min_objects = 1, .max_objects = 2, .min_side = 6, .max_side = 12, .noise = 0.0};
  EXPECT_EQ(shapes.max_side, 12);
  EXPECT_EQ(shapes.noise, 0.0);
  const xg::models::DecodeOptions decode{.score_threshold = 0.3, .iou_threshold = 0.4, .max_detections = 7};
  EXPECT_EQ(decode.iou_threshold, 0.4);
  EXPECT_EQ(decode.max_detections, 7u);
  const xg::train::TinyYoloTrainOptions yolo{
      .epochs = 2, .batch_size = 4, .lr = 1e-3, .weight_decay = 0.0, .clip_grad_norm = 5.0, .seed = 3};
  EXPECT_EQ(yolo.clip_grad_norm, 5.0);
  EXPECT_EQ(yolo.seed, 3u);
  const xg::train::LinearRegressionTrainerOptions lr{
      .optimizer = "adam", .lr = 0.01, .momentum = 0.5, .divergence_factor = 1e3};
  EXPECT_EQ(lr.optimizer, "adam");
  EXPECT_EQ(lr.divergence_factor, 1e3);
  const xg::train::ClassifierTrainerOptions clf{
      .optimizer = "sgd", .lr = 0.1, .momentum = 0.9, .batch_size = 64, .schedule = "cosine", .epochs = 3};
  EXPECT_EQ(clf.batch_size, 64u);
  EXPECT_EQ(clf.schedule, "cosine");
  EXPECT_EQ(clf.epochs, 3u);
}
