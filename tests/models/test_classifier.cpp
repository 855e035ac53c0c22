// The Fashion-MNIST classifiers (models/softmax_classifier, mlp, one_vs_rest, classification_metrics):
// checkpoints round-trip and the metrics match hand-computed values. Their training:
// tests/train/test_classifier_trainer.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <xgrad/data/fashion_mnist.hpp>
#include <xgrad/models/classification_metrics.hpp>
#include <xgrad/models/mlp.hpp>
#include <xgrad/models/one_vs_rest.hpp>
#include <xgrad/models/softmax_classifier.hpp>
#include <xtensor/xview.hpp>

#include "../core/helpers.hpp"
#include "margins.hpp"

namespace models = xgrad::models;
namespace fs = std::filesystem;

namespace {

std::vector<float> flat_params(models::Classifier& m) {
  std::vector<float> out;
  for (const xg::Tensor& p : m.parameters()) out.insert(out.end(), p.data<float>().begin(), p.data<float>().end());
  return out;
}

}  // namespace

TEST(OneVsRest, LossAndProbabilitiesByHand) {
  models::OneVsRest m(2, 3);
  const xg::Tensor s = xg::tensor({{0.0, 2.0, -1.0}}, xg::kFloat64);
  const xg::Tensor y = xg::from_xarray(xt::xarray<std::int64_t>{1});
  // BCE-with-logits, target (0, 1, 0): (log(1 + e^0) + log(1 + e^-2) + log(1 + e^-1)) / 3
  const double expected = (std::log(2.0) + std::log1p(std::exp(-2.0)) + std::log1p(std::exp(-1.0))) / 3;
  EXPECT_NEAR(m.loss(s, y).item(), expected, 1e-15);
  // sigmoid(s) / sum: (0.5, 0.8808, 0.2689) / 1.6497
  const std::vector<double> p = values(m.probabilities(s));
  const double s0 = 0.5, s1 = 1 / (1 + std::exp(-2.0)), s2 = 1 / (1 + std::exp(1.0));
  EXPECT_NEAR(p[0], s0 / (s0 + s1 + s2), 1e-15);
  EXPECT_NEAR(p[1], s1 / (s0 + s1 + s2), 1e-15);
  EXPECT_NEAR(p[0] + p[1] + p[2], 1.0, 1e-15);
  EXPECT_ERROR(models::one_hot(xg::from_xarray(xt::xarray<std::int64_t>{3}), 3, xg::kFloat32), "label 0 is 3");
}

TEST(Metrics, CalibrationErrorByHand) {
  // Two bins: (0, 0.5] holds 0.3 (wrong), (0.5, 1] holds 0.9 (right) and 0.7 (wrong).
  // ECE = 1/3 |0.3 - 0| + 2/3 |0.8 - 0.5| = 0.1 + 0.2
  EXPECT_NEAR(models::expected_calibration_error({0.3, 0.9, 0.7}, {false, true, false}, 2), 0.3, 1e-15);
  // A confidence exactly on a bin edge belongs to the bin it closes: 0.5 is in (0, 0.5].
  EXPECT_NEAR(models::expected_calibration_error({0.5, 1.0}, {true, true}, 2), 0.25, 1e-15);
}

TEST(Metrics, EvaluateCountsTheConfusionMatrix) {
  auto model = std::make_shared<models::SoftmaxClassifier>(2, 3);
  // Weight = identity on the first 2 classes, class 2 never wins: scores = (x0, x1, -1).
  model->linear->weight.data<float>() = xt::xarray<float>{{1, 0}, {0, 1}, {0, 0}};
  model->linear->bias.data<float>() = xt::xarray<float>{0, 0, -1};
  const xg::Tensor x = xg::tensor({{1.0, 0.0}, {0.0, 1.0}, {1.0, 0.0}, {0.0, 2.0}});
  const xg::Tensor y = xg::from_xarray(xt::xarray<std::int64_t>{0, 1, 2, 1});
  const models::Evaluation e = models::evaluate(*model, x, y, 3);  // two chunks
  EXPECT_EQ(e.predictions, (std::vector<std::int64_t>{0, 1, 0, 1}));
  EXPECT_DOUBLE_EQ(e.accuracy, 0.75);
  EXPECT_EQ(e.confusion, (std::vector<std::vector<std::int64_t>>{{1, 0, 0}, {0, 2, 0}, {1, 0, 0}}));
  const std::vector<double> per_class = e.per_class_accuracy();
  EXPECT_EQ(per_class[0], 1.0);
  EXPECT_EQ(per_class[2], 0.0);
  EXPECT_TRUE(model->is_training());  // evaluate() put it back
  EXPECT_ERROR(models::evaluate(*model, x, xg::from_xarray(xt::xarray<std::int64_t>{0, 1})), "int64 labels (N)");
}

TEST(Classifiers, CheckpointRoundTrips) {
  xg::manual_seed(4);
  for (const char* kind : {"softmax", "mlp", "ovr"}) {
    auto a = models::make_classifier(kind, 20, 4, {8});
    auto b = models::make_classifier(kind, 20, 4, {8});
    const fs::path file = fs::temp_directory_path() / ("xgrad_model_" + std::to_string(::getpid()) + ".safetensors");
    xg::save(a->state_dict(), file);
    b->load_state_dict(xg::load(file));
    fs::remove(file);
    EXPECT_EQ(flat_params(*a), flat_params(*b)) << kind;
  }
  EXPECT_ERROR(models::make_classifier("svm", 20, 4), "unknown kind 'svm'");
}
