// data/shapes.*: the synthetic detection dataset is deterministic, independent of the global
// generator, and its labels describe what is drawn.
#include <cblas.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <xgrad/core/error.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/data/shapes.hpp>

namespace xd = xgrad::data;

namespace {

// FNV-1a over the pixels of the first n images: a fingerprint of the generator's exact output.
std::uint64_t fingerprint(const xd::ShapesDataset& d, std::int64_t n) {
  std::uint64_t h = 1469598103934665603ULL;
  const std::int64_t bytes = 3 * d.options().image_size * d.options().image_size;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < bytes; ++k) h = (h ^ d.pixels(i)[k]) * 1099511628211ULL;
  return h;
}

bool same_objects(const std::vector<xd::ShapesObject>& a, const std::vector<xd::ShapesObject>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].cls != b[i].cls || a[i].cx != b[i].cx || a[i].cy != b[i].cy || a[i].w != b[i].w || a[i].h != b[i].h)
      return false;
  return true;
}

}  // namespace

TEST(Shapes, SameSeedSameBitsWhateverTheGlobalGenerator) {
  xgrad::manual_seed(1);
  const xd::ShapesDataset a(20, 42);
  xgrad::manual_seed(2);
  (void)xgrad::rand({100});
  const xd::ShapesDataset b(20, 42);
  EXPECT_EQ(fingerprint(a, 20), fingerprint(b, 20));
  for (std::int64_t i = 0; i < 20; ++i) EXPECT_TRUE(same_objects(a.objects(i), b.objects(i))) << i;
  // The generator's exact output, pinned: a change to how images are drawn must show here.
  EXPECT_EQ(fingerprint(a, 20), 0x8f77ea7f7ef9c002ULL) << std::hex << fingerprint(a, 20);
}

// The generator was rewritten for speed (coverage per row of supersamples, the rounding written
// out, images split over the workers): tiny_yolo's validation set, pinned to the bits the
// point-by-point version drew, for 1 and 2 threads.
TEST(Shapes, ValidationSetPinnedForAnyThreadCount) {
  const int saved = openblas_get_num_threads();
  for (int threads : {1, 2}) {
    openblas_set_num_threads(threads);
    const xd::ShapesDataset val(500, 2);
    EXPECT_EQ(fingerprint(val, 500), 0x367daf6cbc5b8fb8ULL)
        << threads << " threads: " << std::hex << fingerprint(val, 500);
  }
  openblas_set_num_threads(saved);
}

TEST(Shapes, ImageDependsOnlyOnSeedAndIndex) {
  const xd::ShapesDataset small(3, 5), large(30, 5), other(3, 6);
  EXPECT_EQ(fingerprint(small, 3), fingerprint(large, 3));
  EXPECT_NE(fingerprint(small, 3), fingerprint(other, 3));  // train and validation: two seeds
}

TEST(Shapes, ObjectsFollowTheOptions) {
  const xd::ShapesDataset d(200, 3);
  std::set<std::int64_t> classes, counts;
  for (std::int64_t i = 0; i < d.size(); ++i) {
    const auto& objs = d.objects(i);
    counts.insert(static_cast<std::int64_t>(objs.size()));
    for (std::size_t k = 0; k < objs.size(); ++k) {
      const auto& o = objs[k];
      classes.insert(o.cls);
      EXPECT_EQ(o.w, o.h);
      EXPECT_GE(o.w * 64, 10.0);
      EXPECT_LE(o.w * 64, 28.0);
      EXPECT_GE(o.cx - o.w / 2, 0.0);
      EXPECT_LE(o.cx + o.w / 2, 1.0);
      EXPECT_GE(o.cy - o.h / 2, 0.0);
      EXPECT_LE(o.cy + o.h / 2, 1.0);
      for (std::size_t j = 0; j < k; ++j) {  // boxes never overlap, so nothing is hidden
        const auto& p = objs[j];
        const bool apart = o.cx + o.w / 2 <= p.cx - p.w / 2 || p.cx + p.w / 2 <= o.cx - o.w / 2 ||
                           o.cy + o.h / 2 <= p.cy - p.h / 2 || p.cy + p.h / 2 <= o.cy - o.h / 2;
        EXPECT_TRUE(apart) << "image " << i << " objects " << j << " and " << k;
      }
    }
  }
  EXPECT_EQ(classes, (std::set<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(counts, (std::set<std::int64_t>{1, 2, 3, 4}));
}

// Without noise the drawing can be read back: a square fills its box with one colour that is
// not the background's; a circle's center has its colour and its box's corners the background.
TEST(Shapes, DrawingMatchesTheLabels) {
  const xd::ShapesDataset d(60, 9, {.noise = 0});
  const std::int64_t S = 64;
  int squares = 0, circles = 0;
  for (std::int64_t i = 0; i < d.size(); ++i) {
    const std::uint8_t* px = d.pixels(i);
    auto at = [&](int c, std::int64_t y, std::int64_t x) { return px[(c * S + y) * S + x]; };
    // The background: a pixel outside every box.
    std::int64_t bx = -1, by = -1;
    for (std::int64_t y = 0; y < S && bx < 0; ++y)
      for (std::int64_t x = 0; x < S && bx < 0; ++x) {
        bool free = true;
        for (const auto& o : d.objects(i))
          free = free && !(x + 0.5 > (o.cx - o.w / 2) * S && x + 0.5 < (o.cx + o.w / 2) * S &&
                           y + 0.5 > (o.cy - o.h / 2) * S && y + 0.5 < (o.cy + o.h / 2) * S);
        if (free) bx = x, by = y;
      }
    ASSERT_GE(bx, 0);
    for (const auto& o : d.objects(i)) {
      const std::int64_t x0 = std::llround((o.cx - o.w / 2) * S), y0 = std::llround((o.cy - o.h / 2) * S);
      const std::int64_t s = std::llround(o.w * S), cx = x0 + s / 2, cy = y0 + s / 2;
      int distance = 0;  // of the object's colour (its center pixel) from the background, 0..765
      for (int c = 0; c < 3; ++c) distance += std::abs(int(at(c, cy, cx)) - int(at(c, by, bx)));
      EXPECT_GE(distance, 0.75 * 255 - 3) << "image " << i;
      if (o.cls == 1) {
        ++squares;
        for (int c = 0; c < 3; ++c)
          for (std::int64_t y = y0; y < y0 + s; ++y)
            for (std::int64_t x = x0; x < x0 + s; ++x) ASSERT_EQ(at(c, y, x), at(c, cy, cx));
      } else if (o.cls == 0) {
        ++circles;
        for (int c = 0; c < 3; ++c) {
          EXPECT_EQ(at(c, y0, x0), at(c, by, bx));
          EXPECT_EQ(at(c, y0 + s - 1, x0 + s - 1), at(c, by, bx));
        }
      }
    }
  }
  EXPECT_GT(squares, 10);
  EXPECT_GT(circles, 10);
}

TEST(Shapes, BatchesAsTensors) {
  const xd::ShapesDataset d(10, 1);
  const xgrad::Tensor x = d.images({7, 2});
  ASSERT_EQ(x.shape(), (xgrad::Shape{2, 3, 64, 64}));
  EXPECT_EQ(x.dtype(), xgrad::kFloat32);
  EXPECT_EQ(x.data<float>()(1, 2, 5, 9), float(d.pixels(2)[(2 * 64 + 5) * 64 + 9]) / 255.0f);
  const xgrad::Tensor t = d.targets({7, 2});
  const std::size_t n7 = d.objects(7).size(), n2 = d.objects(2).size();
  ASSERT_EQ(t.shape(), (xgrad::Shape{n7 + n2, 6}));
  const auto& v = t.data<float>();
  EXPECT_EQ(v(0, 0), 0.0f);
  EXPECT_EQ(v(n7, 0), 1.0f);  // image 2 is the batch's second
  EXPECT_EQ(v(n7, 1), float(d.objects(2)[0].cls));
  EXPECT_EQ(v(n7, 2), float(d.objects(2)[0].cx));
  EXPECT_EQ(v(n7, 5), float(d.objects(2)[0].h));
}

TEST(Shapes, BadInputThrows) {
  EXPECT_THROW(xd::ShapesDataset(0, 1), xgrad::Error);
  EXPECT_THROW(xd::ShapesDataset(1, 1, {.min_objects = 3, .max_objects = 2}), xgrad::Error);
  EXPECT_THROW(xd::ShapesDataset(1, 1, {.max_side = 100}), xgrad::Error);
  EXPECT_THROW(xd::ShapesDataset(1, 1, {.noise = -0.1}), xgrad::Error);
  const xd::ShapesDataset d(2, 1);
  EXPECT_THROW(d.images({2}), xgrad::Error);
  EXPECT_THROW(d.objects(-1), xgrad::Error);
}
