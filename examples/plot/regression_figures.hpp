#pragma once
// The linear regression's pictures, on the plotting kit (plot.hpp): the loss per step and the
// fitted line at several steps.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>
#include <xgrad/train/linear_regression_trainer.hpp>
#include <xtensor/xarray.hpp>

#include "plot/plot.hpp"

namespace plot {

// The data the fit is drawn over.
struct RegressionData {
  const xt::xarray<double>& x;            // (N, F)
  const xt::xarray<double>& y;            // (N)
  const std::vector<std::string>& names;  // the features'
  const std::string& target;
};

// The loss per step, and its distance to the least-squares minimum, on a log scale.
void draw_loss(const xgrad::train::LinearRegressionTrainer& t, double minimum, const std::string& title,
               const std::filesystem::path& path);
// y against feature j, less the other features' part of the least-squares fit `best` (a partial
// residual: with one feature, y itself), with the line the model draws along j at several steps.
void draw_fit(const xgrad::train::LinearRegressionTrainer& t, const RegressionData& d, const std::vector<double>& best,
              std::size_t j, const std::string& title, const std::filesystem::path& path);

}  // namespace plot
