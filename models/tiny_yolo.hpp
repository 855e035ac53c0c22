#pragma once
// A tiny YOLO detector: a strided conv backbone and a YOLO head on one scale.
//
//   images (N, 3, S, S) -> backbone: Conv2d [+ BatchNorm2d] + SiLU/LeakyReLU, per ConvSpec
//                       -> head: Conv2d 1x1 to anchors * (5 + C) channels
//                       -> (N, anchors, G, G, 5 + C), G = S / stride: the raw (t_x, t_y, t_w,
//                          t_h, t_obj, class logits) that losses::YoloLoss takes.
//
//   xg::models::TinyYolo net(xg::models::TinyYoloConfig::small());
//   auto loss = xg::losses::YoloLoss(net.config().loss_config());
//   auto parts = loss({net.forward(images)}, targets);
//   auto found = net.detect(images);  // per image, after decoding and per-class NMS
//
// Presets:
//   w4()     the issue-8 benchmark step, exactly: Conv2d(3,16,3,s2,p1)-SiLU-Conv2d(16,32,3,s2,p1)-
//            SiLU-Conv2d(32,64,3,s2,p1)-SiLU, head Conv2d(64, 3 (5 + 3), 1): (16, 3, 8, 8, 8) at
//            batch 16. No BatchNorm; its receptive field is 15 pixels, less than most objects.
//   small()  the default, for accuracy: BatchNorm + SiLU, the same three strided convs, then two
//            3x3 convs at stride 8 that widen the receptive field to 47 pixels (objects are up to
//            28), head to 3 (5 + 3).
// Both use three square anchors (12, 18, 26 pixels) on the 8x8 grid of a 64x64 image.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/losses/yolo_loss.hpp"
#include "xgrad/models/detection/decode.hpp"
#include "xgrad/nn/conv2d.hpp"
#include "xgrad/nn/sequential.hpp"

namespace xgrad::models {

struct ConvSpec {
  std::int64_t out_channels = 16, kernel = 3, stride = 1;  // padding kernel / 2
};

enum class Activation { SiLU, LeakyReLU };

struct TinyYoloConfig {
  std::int64_t num_classes = 3;
  std::int64_t in_channels = 3;
  std::int64_t image_size = 64;
  std::vector<ConvSpec> backbone;
  bool batch_norm = true;  // BatchNorm2d after each backbone conv (which then has no bias)
  Activation activation = Activation::SiLU;
  std::vector<std::array<double, 2>> anchors = {{12, 12}, {18, 18}, {26, 26}};  // (w, h), pixels

  static TinyYoloConfig w4();
  static TinyYoloConfig small();
  // "w4" or "small"; throws naming the known presets otherwise.
  static TinyYoloConfig preset(const std::string& name);

  std::int64_t stride() const;  // the product of the backbone's strides
  std::int64_t grid() const { return image_size / stride(); }
  std::int64_t outputs_per_anchor() const { return 5 + num_classes; }
  // The one scale the head predicts, as the loss and the decoder take it.
  losses::YoloScale scale() const;
  // losses::YoloLossConfig::seed(num_classes) on this model's scale.
  losses::YoloLossConfig loss_config() const;
  void validate() const;  // throws xg::Error naming the bad value
};

class TinyYolo : public nn::Module {
 public:
  explicit TinyYolo(TinyYoloConfig config);

  // Raw predictions (N, anchors, G, G, 5 + C).
  Tensor forward(const Tensor& images) override;
  std::string extra_repr() const override;

  // Boxes in normalized image coordinates, per image: a forward pass without gradient (in the
  // module's current train/eval mode; call eval() first for inference), decode_yolo, NMS.
  std::vector<std::vector<Detection>> detect(const Tensor& images, const DecodeOptions& options = {});

  const TinyYoloConfig& config() const { return config_; }

  std::shared_ptr<nn::Sequential> backbone;
  std::shared_ptr<nn::Conv2d> head;

 private:
  TinyYoloConfig config_;
};

}  // namespace xgrad::models
