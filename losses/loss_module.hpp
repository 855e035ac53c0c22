#pragma once
// The module form shared by every loss: a small object holding validated options, called like a
// function. Each loss declares its own class in four lines,
//
//   class MSELoss : public LossModule<MSELossOptions, mse_loss> {
//    public:
//     using LossModule::LossModule;  // the constructor taking MSELossOptions
//   };
//
// and is used as in PyTorch:  xg::losses::MSELoss mse({.reduction = Reduction::Sum});
//                             Tensor loss = mse(prediction, target);
// Options are checked when the module is built, so a bad delta fails at construction, not at the
// first batch. Losses hold no parameters, so they stand apart from nn::Module on purpose.
#include <utility>

#include "xgrad/core/tensor.hpp"

namespace xgrad::losses {

template <class Options, Tensor (*Loss)(const Tensor&, const Tensor&, const Options&)>
class LossModule {
 public:
  explicit LossModule(Options options = {}) : options_(std::move(options)) { options_.validate(); }

  Tensor forward(const Tensor& input, const Tensor& target) const { return Loss(input, target, options_); }
  Tensor operator()(const Tensor& input, const Tensor& target) const { return forward(input, target); }
  const Options& options() const { return options_; }

 private:
  Options options_;
};

}  // namespace xgrad::losses
