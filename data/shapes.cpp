#include "xgrad/data/shapes.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <xtensor/xarray.hpp>

#include "xgrad/core/error.hpp"
#include "xgrad/core/factory.hpp"

namespace xgrad::data {

namespace {

// SplitMix64's finalizer: neighbouring (seed, index) pairs get unrelated generator seeds.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Our own conversions, so the numbers are the same with every standard library.
class Random {
 public:
  Random(std::uint64_t seed, std::int64_t index) : gen_(mix(mix(seed) + static_cast<std::uint64_t>(index))) {}
  double uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }  // [0, 1)
  std::int64_t integer(std::int64_t lo, std::int64_t hi) {                    // [lo, hi]
    return lo + static_cast<std::int64_t>(uniform() * static_cast<double>(hi - lo + 1));
  }

 private:
  std::mt19937_64 gen_;
};

struct Placed {
  std::int64_t cls, x0, y0, side;
};

bool overlaps(const Placed& a, const Placed& b) {
  return a.x0 < b.x0 + b.side && b.x0 < a.x0 + a.side && a.y0 < b.y0 + b.side && b.y0 < a.y0 + a.side;
}

// Whether the point (x, y), in pixels, is inside the shape.
bool inside(const Placed& p, double x, double y) {
  const double s = static_cast<double>(p.side), cx = static_cast<double>(p.x0) + s / 2;
  const double top = static_cast<double>(p.y0);
  switch (p.cls) {
    case 0: {  // circle
      const double dx = x - cx, dy = y - (top + s / 2);
      return dx * dx + dy * dy <= s * s / 4;
    }
    case 1: return true;  // square: the whole box
    default:              // triangle: the half-width grows from 0 at the apex to s / 2 at the base
      return y >= top && y <= top + s && std::abs(x - cx) <= (y - top) / 2;
  }
}

constexpr int kSub = 4;  // supersamples per pixel side

}  // namespace

void ShapesOptions::validate() const {
  if (image_size < 8) fail("ShapesOptions", "image_size must be at least 8, got ", image_size);
  if (min_objects < 1 || max_objects < min_objects)
    fail("ShapesOptions", "need 1 <= min_objects <= max_objects, got ", min_objects, " and ", max_objects);
  if (min_side < 2 || max_side < min_side || max_side > image_size)
    fail("ShapesOptions", "need 2 <= min_side <= max_side <= image_size, got ", min_side, ", ", max_side, " and ",
         image_size);
  if (!(noise >= 0 && noise <= 1)) fail("ShapesOptions", "noise must be in [0, 1], got ", noise);
}

std::vector<ShapesObject> ShapesDataset::generate(std::uint64_t seed, std::int64_t index, const ShapesOptions& o,
                                                  std::uint8_t* pixels) {
  Random rng(seed, index);
  const std::int64_t S = o.image_size;
  const std::size_t plane = static_cast<std::size_t>(S * S);
  std::vector<double> img(3 * plane);
  double background[3];
  for (int c = 0; c < 3; ++c) background[c] = rng.uniform();
  for (int c = 0; c < 3; ++c) std::fill_n(img.begin() + c * plane, plane, background[c]);

  std::vector<Placed> placed;
  const std::int64_t count = rng.integer(o.min_objects, o.max_objects);
  for (std::int64_t k = 0; k < count; ++k) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      Placed p;
      p.cls = rng.integer(0, ShapesDataset::num_classes() - 1);
      p.side = rng.integer(o.min_side, o.max_side);
      p.x0 = rng.integer(0, S - p.side);
      p.y0 = rng.integer(0, S - p.side);
      if (std::none_of(placed.begin(), placed.end(), [&](const Placed& q) { return overlaps(p, q); })) {
        placed.push_back(p);
        break;
      }
    }
  }

  std::vector<ShapesObject> objects;
  for (const Placed& p : placed) {
    double color[3], distance = 0;
    for (int attempt = 0; attempt < 100 && distance < 0.75; ++attempt) {
      distance = 0;
      for (int c = 0; c < 3; ++c) {
        color[c] = rng.uniform();
        distance += std::abs(color[c] - background[c]);
      }
    }
    if (distance < 0.75)  // practically never: the opposite corner of the cube is >= 1.5 away
      for (int c = 0; c < 3; ++c) color[c] = background[c] < 0.5 ? 1.0 : 0.0;
    for (std::int64_t y = p.y0; y < p.y0 + p.side; ++y)
      for (std::int64_t x = p.x0; x < p.x0 + p.side; ++x) {
        int hits = 0;
        for (int sy = 0; sy < kSub; ++sy)
          for (int sx = 0; sx < kSub; ++sx)
            hits += inside(p, static_cast<double>(x) + (sx + 0.5) / kSub, static_cast<double>(y) + (sy + 0.5) / kSub);
        const double cover = static_cast<double>(hits) / (kSub * kSub);
        for (int c = 0; c < 3; ++c) {
          double& v = img[c * plane + static_cast<std::size_t>(y * S + x)];
          v += cover * (color[c] - v);
        }
      }
    const double s = static_cast<double>(S), side = static_cast<double>(p.side);
    objects.push_back({p.cls, (static_cast<double>(p.x0) + side / 2) / s, (static_cast<double>(p.y0) + side / 2) / s,
                       side / s, side / s});
  }

  for (std::size_t i = 0; i < img.size(); ++i) {
    const double v = std::clamp(img[i] + o.noise * (2 * rng.uniform() - 1), 0.0, 1.0);
    pixels[i] = static_cast<std::uint8_t>(std::lround(v * 255));
  }
  return objects;
}

ShapesDataset::ShapesDataset(std::int64_t size, std::uint64_t seed, ShapesOptions options)
    : seed_(seed), options_(options) {
  options_.validate();
  if (size < 1) fail("ShapesDataset", "size must be positive, got ", size);
  const std::size_t bytes = static_cast<std::size_t>(3 * options_.image_size * options_.image_size);
  pixels_.resize(bytes * static_cast<std::size_t>(size));
  objects_.resize(static_cast<std::size_t>(size));
  for (std::int64_t i = 0; i < size; ++i)
    objects_[static_cast<std::size_t>(i)] = generate(seed, i, options_, pixels_.data() + bytes * i);
}

void ShapesDataset::check_index(const char* op, std::int64_t index) const {
  if (index < 0 || index >= size()) fail(op, "index ", index, " is out of range for a dataset of ", size(), " images");
}

const std::vector<ShapesObject>& ShapesDataset::objects(std::int64_t index) const {
  check_index("ShapesDataset::objects", index);
  return objects_[static_cast<std::size_t>(index)];
}

const std::uint8_t* ShapesDataset::pixels(std::int64_t index) const {
  check_index("ShapesDataset::pixels", index);
  return pixels_.data() + static_cast<std::size_t>(3 * options_.image_size * options_.image_size * index);
}

Tensor ShapesDataset::images(const std::vector<std::int64_t>& indices) const {
  const std::size_t S = static_cast<std::size_t>(options_.image_size), bytes = 3 * S * S;
  xt::xarray<float> out = xt::xarray<float>::from_shape({indices.size(), 3, S, S});
  float* dst = out.data();
  for (std::int64_t i : indices) {
    check_index("ShapesDataset::images", i);
    const std::uint8_t* src = pixels(i);
    for (std::size_t k = 0; k < bytes; ++k) *dst++ = static_cast<float>(src[k]) / 255.0f;
  }
  return from_xarray(std::move(out));
}

Tensor ShapesDataset::targets(const std::vector<std::int64_t>& indices) const {
  std::vector<float> rows;
  for (std::size_t b = 0; b < indices.size(); ++b)
    for (const ShapesObject& o : objects(indices[b])) {
      const float row[] = {static_cast<float>(b),    static_cast<float>(o.cls), static_cast<float>(o.cx),
                           static_cast<float>(o.cy), static_cast<float>(o.w),   static_cast<float>(o.h)};
      rows.insert(rows.end(), row, row + 6);
    }
  xt::xarray<float> out = xt::xarray<float>::from_shape({rows.size() / 6, 6});
  std::copy(rows.begin(), rows.end(), out.begin());
  return from_xarray(std::move(out));
}

}  // namespace xgrad::data
