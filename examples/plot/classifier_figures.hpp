#pragma once
// The Fashion-MNIST classifiers' pictures, on the plotting kit (plot.hpp): the training curves,
// test images with their predicted and true labels, and the confusion matrix.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>
#include <xgrad/data/fashion_mnist.hpp>
#include <xgrad/models/classification_metrics.hpp>
#include <xgrad/train/classifier_trainer.hpp>

#include "plot/plot.hpp"

namespace plot {

// Train and test loss per epoch on the left, test accuracy on the right.
void draw_curves(const std::vector<xgrad::train::EpochRecord>& history, const std::string& title,
                 const std::filesystem::path& path);
// The first `count` test images, each with "predicted / true" below; mistakes framed in red.
void draw_predictions(const xgrad::data::FashionMnist& test, const xgrad::models::Evaluation& e, std::size_t count,
                      const std::string& title, const std::filesystem::path& path);
// Rows: true class, columns: predicted; each cell shaded by the fraction of its row.
void draw_confusion(const xgrad::models::Evaluation& e, const std::string& title, const std::filesystem::path& path);

}  // namespace plot
