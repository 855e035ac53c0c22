#pragma once
// A synthetic detection dataset: RGB images of circles, squares and triangles over a noisy
// background, each with its true boxes, for training and checking a small detector.
//
//   xg::data::ShapesDataset train(2048, /*seed=*/1), val(500, /*seed=*/2);
//   xg::Tensor x = train.images({0, 1, 2});   // (3, 3, 64, 64) float32 in [0, 1]
//   xg::Tensor t = train.targets({0, 1, 2});  // (T, 6) float32 rows (row in batch, class, cx, cy, w, h)
//
// How an image is made (all from its own generator, see below):
//   - a background colour, uniform in [0, 1]^3;
//   - 1 to 4 objects: a class, a side s in [10, 28] pixels and a top-left corner (x0, y0) on the
//     pixel grid, so the box [x0, x0 + s] x [y0, y0 + s] is exact; a placement whose box would
//     overlap an earlier object's box is redrawn (up to 100 tries, then that object is dropped,
//     so nothing is ever hidden and every label is visible); a colour at least 0.75 away from the
//     background in L1 over the channels;
//   - shapes drawn with 4x4 supersampling: a disc of diameter s, a square of side s, a triangle
//     with its apex at the middle of the top edge and its base on the bottom edge; each touches
//     all four sides of its box;
//   - uniform noise of +-`noise` on every channel of every pixel, clamped to [0, 1], then
//     quantized to 8 bits (the images are stored as bytes, 12 KiB each at 64x64).
//
// Determinism: image i of a dataset with seed s comes from a std::mt19937_64 seeded with a hash
// of (s, i) and our own conversions to numbers (no std:: distributions, whose results differ
// between standard libraries). It does not use xg::manual_seed's global generator, so training
// randomness never changes the data; image i is the same whatever the dataset's size; the same
// seed gives bit-identical images on every run, for any thread count (the constructor draws the
// images on xgrad's workers). Train and validation are two seeds.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad::data {

inline constexpr std::array<const char*, 3> kShapeNames = {"circle", "square", "triangle"};

struct ShapesOptions {
  std::int64_t image_size = 64;  // square images, pixels
  std::int64_t min_objects = 1, max_objects = 4;
  std::int64_t min_side = 10, max_side = 28;  // object side, pixels
  double noise = 0.1;                         // amplitude of the uniform per-pixel noise
  void validate() const;                      // throws xg::Error naming the bad value
};

// One object: its class (an index into kShapeNames) and its box, normalized to [0, 1].
struct ShapesObject {
  std::int64_t cls = 0;
  double cx = 0, cy = 0, w = 0, h = 0;
};

class ShapesDataset {
 public:
  ShapesDataset(std::int64_t size, std::uint64_t seed, ShapesOptions options = {});

  std::int64_t size() const { return static_cast<std::int64_t>(objects_.size()); }
  std::uint64_t seed() const { return seed_; }
  const ShapesOptions& options() const { return options_; }
  static std::int64_t num_classes() { return static_cast<std::int64_t>(kShapeNames.size()); }

  // The images at `indices`, (B, 3, S, S) float32 with values k / 255.
  Tensor images(const std::vector<std::int64_t>& indices) const;
  // Their objects as YOLO targets, (T, 6) float32: (position in `indices`, class, cx, cy, w, h).
  Tensor targets(const std::vector<std::int64_t>& indices) const;
  const std::vector<ShapesObject>& objects(std::int64_t index) const;
  // The 8-bit pixels of one image, channel-major (3 x S x S).
  const std::uint8_t* pixels(std::int64_t index) const;

  // Draws one image into `pixels` (3 S S bytes) and returns its objects: what the constructor
  // does for each index.
  static std::vector<ShapesObject> generate(std::uint64_t seed, std::int64_t index, const ShapesOptions& options,
                                            std::uint8_t* pixels);

 private:
  void check_index(const char* op, std::int64_t index) const;

  std::uint64_t seed_;
  ShapesOptions options_;
  std::vector<std::uint8_t> pixels_;
  std::vector<std::vector<ShapesObject>> objects_;
};

}  // namespace xgrad::data
