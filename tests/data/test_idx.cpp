// The IDX reader (data/idx.*) and the Fashion-MNIST loader on top of it (data/fashion_mnist.*):
// parsing from memory, gzip and plain files, and every malformed input rejected with a message
// naming the source and the offending values.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>
#include <xgrad/data/fashion_mnist.hpp>
#include <xgrad/data/idx.hpp>

#include "../core/helpers.hpp"
#include "memory_limit.hpp"

namespace data = xgrad::data;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

// An IDX buffer of unsigned bytes with the given dims, elements 0, 1, 2, ... (mod 256).
Bytes idx_bytes(const std::vector<std::uint32_t>& dims, std::size_t elements) {
  Bytes b = {0, 0, 0x08, std::uint8_t(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(std::uint8_t(d >> shift));
  for (std::size_t i = 0; i < elements; ++i) b.push_back(std::uint8_t(i));
  return b;
}

// A fresh folder under the system's temporary directory, removed with the object.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("xgrad_test_idx_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

void write_plain(const fs::path& p, const Bytes& b) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

void write_gzip(const fs::path& p, const Bytes& b) {
  gzFile f = gzopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, b.data(), unsigned(b.size())), int(b.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

}  // namespace

TEST(ParseIdx, ReadsDimsAndElements) {
  const data::IdxArray a = data::parse_idx(idx_bytes({2, 3, 4}, 24));
  EXPECT_EQ(a.dims, (std::vector<std::size_t>{2, 3, 4}));
  ASSERT_EQ(a.data.size(), 24u);
  EXPECT_EQ(a.data[0], 0);
  EXPECT_EQ(a.data[23], 23);
}

TEST(ParseIdx, RejectsABadMagicNumberOrType) {
  Bytes b = idx_bytes({3}, 3);
  b[1] = 8;
  EXPECT_ERROR(data::parse_idx(b, "labels.idx"), "parse_idx", "labels.idx", "not an IDX file", "0, 8");
  b = idx_bytes({3}, 3);
  b[2] = 0x0D;
  EXPECT_ERROR(data::parse_idx(b), "<memory>", "0xd", "float32", "not supported");
  EXPECT_ERROR(data::parse_idx(Bytes{0, 0}), "2 bytes is too short");
}

TEST(ParseIdx, RejectsHeadersThatDoNotFitTheBuffer) {
  EXPECT_ERROR(data::parse_idx(idx_bytes({}, 0)), "0 dims");
  Bytes b = idx_bytes({5, 5}, 0);
  b.resize(9);  // the second dim is cut off
  EXPECT_ERROR(data::parse_idx(b), "2 dims, which need 12 bytes, but the buffer has 9");
  EXPECT_ERROR(data::parse_idx(idx_bytes({4, 0}, 0)), "dim 1 has size 0");
  EXPECT_ERROR(data::parse_idx(idx_bytes({10}, 7)), "declare 10 elements but 7 bytes", "truncated");
  EXPECT_ERROR(data::parse_idx(idx_bytes({10}, 12)), "declare 10 elements but 12 bytes", "trailing");
}

TEST(ParseIdx, RejectsHugeClaimsWithoutAllocating) {
  // 2^20 x 2^20 = 2^40 bytes claimed by a 100-byte buffer: refused by the size check, before the
  // allocation (which AddressSanitizer would report as too big).
  Bytes b = idx_bytes({1u << 20, 1u << 20}, 0);
  b.resize(100, 7);
  EXPECT_ERROR(data::parse_idx(b), "declare 1099511627776 elements but 88 bytes");
  // (2^32 - 1)^3 overflows 64 bits: caught while multiplying, not wrapped around.
  EXPECT_ERROR(data::parse_idx(idx_bytes({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, 4)), "overflows at dim 2");
  // And it allocates nothing near the claim: inside a 64 MB address-space budget it still throws
  // Error, where honestly allocating 256 MB throws bad_alloc.
  if (!xgrad_test::can_limit_memory()) GTEST_SKIP() << "RLIMIT_AS cannot be used under AddressSanitizer or valgrind";
  constexpr std::size_t budget = 64u << 20;
  EXPECT_EQ(xgrad_test::run_with_memory_budget(budget, [] { std::vector<char> v(256u << 20, 1); }),
            xgrad_test::Outcome::ThrewBadAlloc);
  EXPECT_EQ(xgrad_test::run_with_memory_budget(budget, [&] { (void)data::parse_idx(b); }),
            xgrad_test::Outcome::ThrewError);
}

TEST(ReadIdx, ReadsGzipAndPlainFiles) {
  TempDir dir;
  const Bytes b = idx_bytes({3, 2, 2}, 12);
  write_gzip(dir.path / "a.gz", b);
  write_plain(dir.path / "a.idx", b);
  for (const char* name : {"a.gz", "a.idx"}) {
    const data::IdxArray a = data::read_idx(dir.path / name);
    EXPECT_EQ(a.dims, (std::vector<std::size_t>{3, 2, 2})) << name;
    EXPECT_EQ(a.data, Bytes(b.begin() + 16, b.end())) << name;
  }
}

TEST(ReadIdx, NamesTheFileInEveryError) {
  TempDir dir;
  const std::string missing = (dir.path / "nothing.gz").string();
  EXPECT_ERROR(data::read_idx(missing), missing.c_str(), "no such file");

  // A gzip stream cut in the middle: zlib's "unexpected end of file".
  Bytes big = idx_bytes({100000}, 100000);
  for (std::size_t i = 16; i < big.size(); ++i) big[i] = std::uint8_t(i * 2654435761u >> 13);  // poorly compressible
  write_gzip(dir.path / "full.gz", big);
  std::ifstream in(dir.path / "full.gz", std::ios::binary);
  Bytes gz((std::istreambuf_iterator<char>(in)), {});
  gz.resize(gz.size() / 2);
  const std::string cut = (dir.path / "cut.gz").string();
  write_plain(cut, gz);
  EXPECT_ERROR(data::read_idx(cut), cut.c_str(), "cannot decompress: unexpected end of file");

  const std::string bad = (dir.path / "bad.idx").string();
  write_plain(bad, Bytes{0, 0, 8, 1, 0, 0, 0, 9, 1, 2});
  EXPECT_ERROR(data::read_idx(bad), bad.c_str(), "declare 9 elements but 2 bytes");
}

TEST(ReadMaybeGzip, StopsAtTheSizeLimit) {
  TempDir dir;
  write_gzip(dir.path / "zeros.gz", Bytes(1 << 16, 0));  // compresses ~1000 times
  EXPECT_ERROR(data::read_maybe_gzip(dir.path / "zeros.gz", 1000), "zeros.gz", "more than the limit of 1000 bytes");
  EXPECT_EQ(data::read_maybe_gzip(dir.path / "zeros.gz").size(), std::size_t(1) << 16);
}

TEST(FashionMnistFromIdx, ImagesAndLabelsMustAgree) {
  const data::IdxArray images = data::parse_idx(idx_bytes({3, 2, 2}, 12));
  const data::IdxArray labels = data::parse_idx(Bytes{0, 0, 8, 1, 0, 0, 0, 3, 9, 0, 4});
  // 2x2 images: side 2 (the default, 28, is ImageDimsAreCheckedAtLoad's).
  const data::FashionMnist f = data::fashion_mnist_from_idx(images, labels, "pair", 0, 2);
  EXPECT_EQ(f.images.shape(), (xg::Shape{3, 4}));
  EXPECT_EQ(f.images.dtype(), xg::kFloat32);
  EXPECT_FLOAT_EQ(f.images.data<float>()(2, 3), 11.0f / 255.0f);
  EXPECT_EQ(values(f.labels), (std::vector<double>{9, 0, 4}));
  EXPECT_EQ(data::fashion_mnist_from_idx(images, labels, "pair", 2, 2).labels.numel(), 2u);

  const data::IdxArray two_labels = data::parse_idx(Bytes{0, 0, 8, 1, 0, 0, 0, 2, 1, 2});
  EXPECT_ERROR(data::fashion_mnist_from_idx(images, two_labels, "pair", 0, 2), "pair", "3 images", "2 labels");
  const data::IdxArray label_10 = data::parse_idx(Bytes{0, 0, 8, 1, 0, 0, 0, 3, 1, 10, 2});
  EXPECT_ERROR(data::fashion_mnist_from_idx(images, label_10, "pair", 0, 2), "label 1 is 10", "0 to 9");
  EXPECT_ERROR(data::fashion_mnist_from_idx(labels, labels, "pair"), "image file has 1 dims");
}

TEST(FashionMnistFromIdx, ImageDimsAreCheckedAtLoad) {
  // 10x10 images were announced as "28x28" and failed later at Linear; 1x784 ones (the right
  // number of pixels, the wrong layout) were accepted.
  const data::IdxArray labels = data::parse_idx(Bytes{0, 0, 8, 1, 0, 0, 0, 2, 5, 7});
  const data::IdxArray small = data::parse_idx(idx_bytes({2, 10, 10}, 200));
  EXPECT_ERROR(data::fashion_mnist_from_idx(small, labels, "pair"), "load_fashion_mnist: pair",
               "the images are 10x10; Fashion-MNIST's are 28x28 (784 inputs to a model)");
  const data::IdxArray flat = data::parse_idx(idx_bytes({2, 1, 784}, 2 * 784));
  EXPECT_ERROR(data::fashion_mnist_from_idx(flat, labels, "pair"), "the images are 1x784");
  const data::IdxArray right = data::parse_idx(idx_bytes({2, 28, 28}, 2 * 784));
  EXPECT_EQ(data::fashion_mnist_from_idx(right, labels, "pair").images.shape(), (xg::Shape{2, 784}));
  EXPECT_EQ(data::fashion_mnist_from_idx(small, labels, "pair", 0, 0).images.shape(), (xg::Shape{2, 100}));

  TempDir dir;  // the same check through the file loader, naming both files
  write_plain(dir.path / "t10k-images-idx3-ubyte", idx_bytes({2, 10, 10}, 200));
  write_plain(dir.path / "t10k-labels-idx1-ubyte", Bytes{0, 0, 8, 1, 0, 0, 0, 2, 5, 7});
  EXPECT_ERROR(data::load_fashion_mnist(dir.path, data::Split::Test), "t10k-images-idx3-ubyte", "the images are 10x10");
}

TEST(LoadFashionMnist, AMissingFileNamesTheDebianPackageAndThePath) {
  TempDir dir;
  const std::string looked_at = (dir.path / "t10k-images-idx3-ubyte.gz").string();
  EXPECT_ERROR(data::load_fashion_mnist(dir.path, data::Split::Test), "dataset-fashion-mnist", looked_at.c_str(),
               "XGRAD_FASHION_MNIST_DIR");
}

TEST(LoadFashionMnist, FindsFilesInAnotherFolder) {
  TempDir dir;
  write_gzip(dir.path / "t10k-images-idx3-ubyte.gz", idx_bytes({2, 28, 28}, 2 * 784));
  write_plain(dir.path / "t10k-labels-idx1-ubyte", Bytes{0, 0, 8, 1, 0, 0, 0, 2, 5, 7});
  const data::FashionMnist f = data::load_fashion_mnist(dir.path, data::Split::Test);
  EXPECT_EQ(f.images.shape(), (xg::Shape{2, 784}));
  EXPECT_EQ(values(f.labels), (std::vector<double>{5, 7}));
}

TEST(LoadFashionMnist, TheRealTestSplit) {
  const fs::path dir = data::fashion_mnist_dir();
  if (!fs::exists(dir / "t10k-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const data::FashionMnist f = data::load_fashion_mnist(dir, data::Split::Test);
  ASSERT_EQ(f.images.shape(), (xg::Shape{10000, 784}));
  ASSERT_EQ(f.labels.shape(), (xg::Shape{10000}));
  const auto& x = f.images.data<float>();
  EXPECT_EQ(*std::min_element(x.begin(), x.end()), 0.0f);
  EXPECT_EQ(*std::max_element(x.begin(), x.end()), 1.0f);
  std::vector<int> per_class(10, 0);
  for (std::int64_t y : f.labels.data<std::int64_t>()) ++per_class.at(std::size_t(y));
  EXPECT_EQ(per_class, std::vector<int>(10, 1000));  // the test split is balanced
}

TEST(LoadFashionMnist, TheBytesGiveTheSameImagesAsTheFloatLoader) {
  const fs::path dir = data::fashion_mnist_dir();
  if (!fs::exists(dir / "t10k-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const data::FashionMnistBytes b = data::load_fashion_mnist_bytes(dir, data::Split::Test);
  const data::FashionMnist f = data::load_fashion_mnist(dir, data::Split::Test);
  ASSERT_EQ(b.images.shape(), (xg::Shape{10000, 784}));
  EXPECT_EQ(b.images.bytes().size(), 10000u * 784u);  // a byte a pixel
  EXPECT_TRUE(xt::all(xt::equal(b.images.to_tensor().data<float>(), f.images.data<float>())));
  EXPECT_EQ(values(b.labels), values(f.labels));
  EXPECT_EQ(data::load_fashion_mnist_bytes(dir, data::Split::Test, 7).images.shape(), (xg::Shape{7, 784}));
}

TEST(ReadIdx, AForgedGzipSizeTrailerIsOnlyAHint) {
  // The gzip trailer's ISIZE sizes the buffer read into (capped at deflate's 1032:1 of the file):
  // a forged 4 GiB claim reserves no more than the file could fill, and zlib refuses the file.
  TempDir dir;
  const Bytes content = idx_bytes({3, 5}, 15);
  const fs::path p = dir.path / "forged.gz";
  write_gzip(p, content);
  EXPECT_EQ(data::read_idx(p).data, Bytes(content.begin() + 12, content.end()));
  {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-4, std::ios::end);
    for (int i = 0; i < 4; ++i) f.put(char(0xff));
  }
  EXPECT_ERROR(data::read_idx(p), "forged.gz", "cannot decompress");
  if (xgrad_test::can_limit_memory())
    EXPECT_EQ(xgrad_test::run_with_memory_budget(std::size_t(64) << 20, [&] { (void)data::read_idx(p); }),
              xgrad_test::Outcome::ThrewError);
  const fs::path plain = dir.path / "plain.idx";
  write_plain(plain, content);
  EXPECT_EQ(data::read_idx(plain).data, Bytes(content.begin() + 12, content.end()));
}
