#pragma once
// Sequential: runs its modules one after another, as torch.nn.Sequential; the children are
// named "0", "1", ..., so parameters read "0.weight", "2.bias". And Flatten, the layer that
// usually sits between a conv stack and a Linear head.
//
//   xg::nn::Sequential net{std::make_shared<xg::nn::Conv2d>(1, 8, 3), std::make_shared<xg::nn::ReLU>(),
//                          std::make_shared<xg::nn::Flatten>(), std::make_shared<xg::nn::Linear>(8 * 26 * 26, 10)};
//   auto shared = xg::nn::sequential({...});  // the same as a std::shared_ptr, for register_module
//
// or from a list built at run time: Sequential(std::vector<std::shared_ptr<Module>>{...}).
//
// Always a braced list: its elements are evaluated left to right, so the layers are made, and
// their initial weights drawn, in the order written on every compiler. Sequential(a, b, c) is
// deleted on purpose: C++ leaves the evaluation order of function arguments to the compiler (g++
// goes right to left, clang left to right), and with it which layer gets which random numbers.
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  explicit Sequential(const std::vector<std::shared_ptr<Module>>& modules);
  // Write Sequential{a, b, c} or nn::sequential({a, b, c}): see the top of this file.
  template <std::derived_from<Module>... M>
  explicit Sequential(std::shared_ptr<M>... modules) = delete;

  // Appends a module under the next index and returns it.
  template <std::derived_from<Module> M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    return register_module(std::to_string(size()), std::move(module));
  }

  Tensor forward(const Tensor& x) override;
  std::size_t size() const { return named_children().size(); }
  const std::shared_ptr<Module>& operator[](std::size_t i) const;
};

// Sequential{...} as a std::shared_ptr (std::make_shared cannot take a braced list).
std::shared_ptr<Sequential> sequential(std::initializer_list<std::shared_ptr<Module>> modules);

// Flattens dims start_dim..end_dim into one, by default all but the batch dim.
class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const std::int64_t start_dim, end_dim;
};

}  // namespace xgrad::nn
