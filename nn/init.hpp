#pragma once
// Initialization schemes, as torch.nn.init: each fills a tensor in place (Tensor is a handle, so
// the parameter a layer holds changes) from `generator`, or xgrad's default one (manual_seed(s)
// makes every initialization reproducible), and returns it; torch.nn.init's generator= argument.
#include <cstddef>
#include <utility>

#include "xgrad/core/generator.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::nn::init {

enum class FanMode { FanIn, FanOut };
enum class Nonlinearity { Linear, Conv2d, Sigmoid, Tanh, ReLU, LeakyReLU, SELU };

// The gain PyTorch recommends for each nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh,
// sqrt(2) for ReLU, sqrt(2 / (1 + slope^2)) for LeakyReLU with `param` as the slope, 3/4 for SELU.
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);

// (fan_in, fan_out) of a weight of at least 2 dims: size(1) and size(0), times the receptive
// field (the product of the dims after the first two) for conv weights.
std::pair<std::size_t, std::size_t> calculate_fan_in_and_fan_out(const Tensor& t);

Tensor uniform_(Tensor t, double low = 0.0, double high = 1.0, Generator* generator = nullptr);
Tensor normal_(Tensor t, double mean = 0.0, double std = 1.0, Generator* generator = nullptr);
Tensor constant_(Tensor t, double value);
Tensor zeros_(Tensor t);
Tensor ones_(Tensor t);

// U(-a, a) with a = gain sqrt(6 / (fan_in + fan_out)); N(0, gain^2 2 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor t, double gain = 1.0, Generator* generator = nullptr);
Tensor xavier_normal_(Tensor t, double gain = 1.0, Generator* generator = nullptr);

// U(-b, b) with b = gain sqrt(3 / fan), gain = calculate_gain(nonlinearity, a); N(0, gain^2 / fan).
// PyTorch's Linear and Conv2d use kaiming_uniform_(w, sqrt(5)), which gives b = 1 / sqrt(fan_in).
Tensor kaiming_uniform_(Tensor t, double a = 0.0, FanMode mode = FanMode::FanIn,
                        Nonlinearity nonlinearity = Nonlinearity::LeakyReLU, Generator* generator = nullptr);
Tensor kaiming_normal_(Tensor t, double a = 0.0, FanMode mode = FanMode::FanIn,
                       Nonlinearity nonlinearity = Nonlinearity::LeakyReLU, Generator* generator = nullptr);

}  // namespace xgrad::nn::init
