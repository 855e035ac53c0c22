// Anomaly mode on losses: a NaN or Inf inside a loss is reported at the op that made it, and the
// library's own losses (which clamp and mask internally) raise no false alarm.
#include <limits>
#include <xgrad/xgrad.hpp>

#include "helpers.hpp"

namespace {

TEST(Anomaly, HandWrittenBceSaturatesAndIsCaughtAtTheLog) {
  // log(1 - sigmoid(z)) in float32: sigmoid(40) rounds to 1, so the log sees 0.
  xg::Tensor z = xg::tensor({-2.0, 40.0}).requires_grad_();
  xg::Tensor y = xg::tensor({0.0, 0.0});
  xg::AnomalyGuard anomaly;
  EXPECT_ERROR((void)((y * xg::log(xg::sigmoid(z)) + (1.0 - y) * xg::log(1.0 - xg::sigmoid(z))).mean() * -1.0),
               "log: anomaly in the forward pass", "(1) = -inf");
  // The library's loss on the same logits stays finite, forward and backward.
  xg::Tensor loss = xl::binary_cross_entropy_with_logits(z, y);
  loss.backward();
  EXPECT_TRUE(std::isfinite(loss.item()));
}

TEST(Anomaly, NaNInjectedIntoALossTargetNamesTheOp) {
  xg::Tensor pred = xg::tensor({0.1, 0.2, 0.3}, xg::kFloat64).requires_grad_();
  xg::Tensor target = xg::tensor({0.0, std::numeric_limits<double>::quiet_NaN(), 1.0}, xg::kFloat64);
  EXPECT_TRUE(std::isnan(xl::mse_loss(pred, target).item()));  // off: a silent NaN, as in PyTorch
  xg::AnomalyGuard anomaly;
  EXPECT_ERROR((void)xl::mse_loss(pred, target), "sub: anomaly in the forward pass",
               "input 1 ((3) float64) already holds a non-finite value at (1) = nan");
}

TEST(Anomaly, LibraryLossesRaiseNoFalseAlarm) {
  xg::manual_seed(5);
  xg::AnomalyGuard anomaly;
  xg::Tensor logits = (xg::randn({6, 4}, xg::kFloat64) * 30.0).detach().requires_grad_();
  xg::Tensor classes = xg::tensor({0, 1, 2, 3, 0, 1}).to(xg::kInt64);
  xg::Tensor probs = xg::sigmoid(logits).detach();
  const xg::Tensor losses[] = {
      xl::cross_entropy(logits, classes, {.label_smoothing = 0.1}),
      xl::binary_cross_entropy_with_logits(logits, probs),
      xl::binary_cross_entropy(xg::sigmoid(logits), xg::gt(probs, 0.5)),
      xl::sigmoid_focal_loss(logits, probs),
  };
  for (const xg::Tensor& l : losses) EXPECT_NO_THROW(l.backward());

  // The YOLO loss (IoU objectness targets, masks, logs of sigmoids) on random predictions with
  // the two class-loss kinds and every box loss.
  for (auto box : {xl::YoloBoxLoss::MSE, xl::YoloBoxLoss::GIoU, xl::YoloBoxLoss::CIoU}) {
    xl::YoloLossConfig config = xl::YoloLossConfig::reference(3);
    config.box_loss = box;
    const xg::Tensor targets = xg::tensor({{0.0, 1.0, 0.3, 0.6, 0.2, 0.25}, {1.0, 2.0, 0.7, 0.4, 0.5, 0.3}});
    std::vector<xg::Tensor> predictions;
    for (const auto& scale : config.scales) {
      const auto cells = static_cast<std::size_t>(64 / scale.stride);
      predictions.push_back((xg::randn({2, scale.anchors.size(), cells, cells, 8}) * 3.0).detach().requires_grad_());
    }
    EXPECT_NO_THROW(xl::yolo_loss(predictions, targets, config).total.backward());
  }
}

}  // namespace
