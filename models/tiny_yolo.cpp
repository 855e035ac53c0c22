#include "xgrad/models/tiny_yolo.hpp"

#include <cmath>

#include "xgrad/core/autograd.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/ops/shape_ops.hpp"
#include "xgrad/nn/activation.hpp"
#include "xgrad/nn/batchnorm.hpp"

namespace xgrad::models {

TinyYoloConfig TinyYoloConfig::w4() {
  TinyYoloConfig c;
  c.backbone = {{16, 3, 2}, {32, 3, 2}, {64, 3, 2}};
  c.batch_norm = false;
  return c;
}

TinyYoloConfig TinyYoloConfig::small() {
  TinyYoloConfig c;
  c.backbone = {{16, 3, 2}, {32, 3, 2}, {64, 3, 2}, {64, 3, 1}, {64, 3, 1}};
  return c;
}

TinyYoloConfig TinyYoloConfig::preset(const std::string& name) {
  if (name == "w4") return w4();
  if (name == "small") return small();
  fail("TinyYoloConfig::preset", "unknown preset \"", name, "\"; known: small, w4");
}

std::int64_t TinyYoloConfig::stride() const {
  std::int64_t s = 1;
  for (const ConvSpec& c : backbone) s *= c.stride;
  return s;
}

losses::YoloScale TinyYoloConfig::scale() const {
  return {.anchors = anchors, .stride = static_cast<double>(stride())};
}

losses::YoloLossConfig TinyYoloConfig::loss_config() const {
  losses::YoloLossConfig c = losses::YoloLossConfig::seed(num_classes);
  c.scales = {scale()};
  return c;
}

void TinyYoloConfig::validate() const {
  const char* op = "TinyYoloConfig";
  if (num_classes < 1) fail(op, "num_classes must be positive, got ", num_classes);
  if (in_channels < 1) fail(op, "in_channels must be positive, got ", in_channels);
  if (backbone.empty()) fail(op, "the backbone has no layers");
  for (std::size_t i = 0; i < backbone.size(); ++i) {
    const ConvSpec& c = backbone[i];
    if (c.out_channels < 1 || c.kernel < 1 || c.kernel % 2 == 0 || c.stride < 1)
      fail(op, "backbone layer ", i, " needs positive channels, an odd kernel and a positive stride, got (",
           c.out_channels, ", ", c.kernel, ", ", c.stride, ")");
  }
  if (image_size < 1 || image_size % stride() != 0)
    fail(op, "image_size ", image_size, " must be a positive multiple of the backbone's stride ", stride());
  if (anchors.empty()) fail(op, "no anchors");
  for (const auto& a : anchors)
    if (!(a[0] > 0 && a[1] > 0 && std::isfinite(a[0]) && std::isfinite(a[1])))
      fail(op, "anchors must be positive and finite, got (", a[0], ", ", a[1], ")");
}

TinyYolo::TinyYolo(TinyYoloConfig config) : config_(std::move(config)) {
  config_.validate();
  backbone = register_module("backbone", std::make_shared<nn::Sequential>());
  std::int64_t channels = config_.in_channels;
  for (const ConvSpec& c : config_.backbone) {
    backbone->push_back(
        std::make_shared<nn::Conv2d>(channels, c.out_channels, c.kernel, c.stride, c.kernel / 2, !config_.batch_norm));
    if (config_.batch_norm) backbone->push_back(std::make_shared<nn::BatchNorm2d>(c.out_channels));
    if (config_.activation == Activation::SiLU)
      backbone->push_back(std::make_shared<nn::SiLU>());
    else
      backbone->push_back(std::make_shared<nn::LeakyReLU>(0.1));
    channels = c.out_channels;
  }
  const auto anchors = static_cast<std::int64_t>(config_.anchors.size());
  head = register_module("head", std::make_shared<nn::Conv2d>(channels, anchors * config_.outputs_per_anchor(), 1));
}

Tensor TinyYolo::forward(const Tensor& images) {
  const Shape s = images.shape();
  const std::int64_t S = config_.image_size;
  if (s.size() != 4 || s[1] != std::size_t(config_.in_channels) || s[2] != std::size_t(S) || s[3] != std::size_t(S))
    fail("TinyYolo", "expected images of shape (N, ", config_.in_channels, ", ", S, ", ", S, "), got ", ShapeText{s});
  const Tensor raw = head->forward(backbone->forward(images));  // (N, A (5 + C), G, G)
  const std::int64_t n = static_cast<std::int64_t>(s[0]), g = config_.grid();
  const std::int64_t anchors = static_cast<std::int64_t>(config_.anchors.size());
  return raw.reshape({n, anchors, config_.outputs_per_anchor(), g, g}).permute({0, 1, 3, 4, 2});
}

std::string TinyYolo::extra_repr() const {
  return "classes=" + std::to_string(config_.num_classes) + ", image_size=" + std::to_string(config_.image_size) +
         ", grid=" + std::to_string(config_.grid()) + ", anchors=" + std::to_string(config_.anchors.size());
}

std::vector<std::vector<Detection>> TinyYolo::detect(const Tensor& images, const DecodeOptions& options) {
  NoGradGuard no_grad;
  return decode_yolo(forward(images), config_.scale(), options);
}

}  // namespace xgrad::models
