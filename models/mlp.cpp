#include "xgrad/models/mlp.hpp"

#include "xgrad/nn/activation.hpp"
#include "xgrad/nn/linear.hpp"

namespace xgrad::models {

MLP::MLP(std::size_t in_features, const std::vector<std::size_t>& hidden, std::size_t num_classes)
    : Classifier(num_classes), layers(register_module("layers", std::make_shared<nn::Sequential>())) {
  std::size_t width = in_features;
  for (std::size_t h : hidden) {
    layers->push_back(std::make_shared<nn::Linear>(width, h));
    layers->push_back(std::make_shared<nn::ReLU>());
    width = h;
  }
  layers->push_back(std::make_shared<nn::Linear>(width, num_classes));
}

Tensor MLP::forward(const Tensor& x) { return layers->forward(x); }

}  // namespace xgrad::models
