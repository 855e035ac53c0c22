#include "xgrad/data/shapes.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <xtensor/xarray.hpp>

#include "xgrad/core/detail/parallel.hpp"
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
  // [0, 1). The 53 bits go through int64 (the same value): a signed conversion is one
  // instruction, an unsigned one a branch and three more.
  double uniform() { return static_cast<double>(static_cast<std::int64_t>(gen_() >> 11)) * 0x1.0p-53; }
  std::int64_t integer(std::int64_t lo, std::int64_t hi) {  // [lo, hi]
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

constexpr int kSub = 4;  // supersamples per pixel side

// The supersample offsets inside a pixel, (s + 0.5) / kSub for s in [0, kSub).
constexpr double offset(int s) { return (s + 0.5) / kSub; }

// How many of the kSub x kSub supersamples of pixel (x, y) fall inside the shape, for every pixel
// of the shape's box: hits[(y - y0) side + (x - x0)]. The tests are the ones a point-by-point
// check would make, in the same arithmetic (a circle: dx dx + dy dy <= s s / 4; a triangle:
// top <= y <= top + s and |x - cx| <= (y - top) / 2), with what depends on one coordinate only
// computed once per row or column of supersamples instead of once per supersample. Every
// coordinate is a multiple of 1/8 below 64, so each of these differences, squares and sums is
// exact: the counts are the point-by-point ones whatever the order or fusing of the arithmetic.
void coverage(const Placed& p, std::vector<int>& hits) {
  const std::size_t side = static_cast<std::size_t>(p.side), n = side * kSub;
  hits.assign(side * side, 0);
  const double s = static_cast<double>(p.side), cx = static_cast<double>(p.x0) + s / 2;
  const double top = static_cast<double>(p.y0);
  if (p.cls == 1) {  // square: the whole box
    std::fill(hits.begin(), hits.end(), kSub * kSub);
    return;
  }
  // The supersample coordinates of the box, column by column and row by row.
  thread_local std::vector<double> across, down;
  across.resize(n);
  down.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    across[i] = static_cast<double>(p.x0 + static_cast<std::int64_t>(i / kSub)) + offset(int(i % kSub));
    down[i] = static_cast<double>(p.y0 + static_cast<std::int64_t>(i / kSub)) + offset(int(i % kSub));
  }
  if (p.cls == 0) {  // circle
    const double cy = top + s / 2, r2 = s * s / 4;
    for (std::size_t i = 0; i < n; ++i) across[i] = (across[i] - cx) * (across[i] - cx);
    for (std::size_t j = 0; j < n; ++j) {
      const double dy = down[j] - cy, dy2 = dy * dy;
      int* row = hits.data() + (j / kSub) * side;
      for (std::size_t i = 0; i < n; ++i) row[i / kSub] += across[i] + dy2 <= r2;
    }
    return;
  }
  // triangle: the half-width grows from 0 at the apex to s / 2 at the base
  for (std::size_t i = 0; i < n; ++i) across[i] = std::abs(across[i] - cx);
  for (std::size_t j = 0; j < n; ++j) {
    const double y = down[j];
    if (!(y >= top && y <= top + s)) continue;
    const double half = (y - top) / 2;
    int* row = hits.data() + (j / kSub) * side;
    for (std::size_t i = 0; i < n; ++i) row[i / kSub] += across[i] <= half;
  }
}

// out[i] = lround(255 clamp(img[i] + noise (2 u[i] - 1), 0, 1)), the rounding written out:
// x - trunc(x) is exact, and halves round up, as lround's away from zero for x >= 0. lround was
// a library call per value, a fifth of the generator's time.
void noisy_bytes(const double* __restrict img, const double* __restrict u, double noise, std::size_t n,
                 std::uint8_t* __restrict out) {
  for (std::size_t i = 0; i < n; ++i) {
    const double x = std::clamp(img[i] + noise * (2 * u[i] - 1), 0.0, 1.0) * 255;
    const int t = static_cast<int>(x);
    out[i] = static_cast<std::uint8_t>(t + (x - static_cast<double>(t) >= 0.5 ? 1 : 0));
  }
}

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
  std::vector<int> hits;
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
    coverage(p, hits);
    for (std::int64_t y = p.y0; y < p.y0 + p.side; ++y)
      for (std::int64_t x = p.x0; x < p.x0 + p.side; ++x) {
        const double cover =
            static_cast<double>(hits[static_cast<std::size_t>((y - p.y0) * p.side + (x - p.x0))]) / (kSub * kSub);
        for (int c = 0; c < 3; ++c) {
          double& v = img[c * plane + static_cast<std::size_t>(y * S + x)];
          v += cover * (color[c] - v);
        }
      }
    const double s = static_cast<double>(S), side = static_cast<double>(p.side);
    objects.push_back({p.cls, (static_cast<double>(p.x0) + side / 2) / s, (static_cast<double>(p.y0) + side / 2) / s,
                       side / s, side / s});
  }

  // The noise drawn first, in pixel order (the order it was always drawn in), then added.
  thread_local std::vector<double> draws;
  draws.resize(img.size());
  for (double& u : draws) u = rng.uniform();
  noisy_bytes(img.data(), draws.data(), o.noise, img.size(), pixels);
  return objects;
}

ShapesDataset::ShapesDataset(std::int64_t size, std::uint64_t seed, ShapesOptions options)
    : seed_(seed), options_(options) {
  options_.validate();
  if (size < 1) fail("ShapesDataset", "size must be positive, got ", size);
  const std::size_t bytes = static_cast<std::size_t>(3 * options_.image_size * options_.image_size);
  pixels_.resize(bytes * static_cast<std::size_t>(size));
  objects_.resize(static_cast<std::size_t>(size));
  // Each image comes from its own generator, so the images can be drawn on any thread in any
  // order: split over xgrad's workers (the same bits for any thread count).
  detail::parallel_ranges(static_cast<std::size_t>(size), 64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i)
      objects_[i] = generate(seed, static_cast<std::int64_t>(i), options_, pixels_.data() + bytes * i);
  });
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
