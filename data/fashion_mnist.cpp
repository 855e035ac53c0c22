#include "xgrad/data/fashion_mnist.hpp"

#include <cstdlib>
#include <xtensor/xarray.hpp>

#include "xgrad/core/error.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad::data {

namespace {

constexpr const char* kDebianDir = "/usr/share/datasets/fashion-mnist";

// The file `stem` (".gz" or not) in `dir`; an error naming the package when neither exists.
std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& stem) {
  const std::filesystem::path gz = dir / (stem + ".gz"), plain = dir / stem;
  std::error_code ec;
  if (std::filesystem::is_regular_file(gz, ec)) return gz;
  if (std::filesystem::is_regular_file(plain, ec)) return plain;
  fail("load_fashion_mnist", "missing ", gz.string(), " (also looked for ", plain.string(),
       "). Install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), or point "
       "XGRAD_FASHION_MNIST_DIR (or the data-dir option) at a folder holding ",
       stem, "[.gz]");
}

}  // namespace

std::filesystem::path fashion_mnist_dir() {
  const char* env = std::getenv("XGRAD_FASHION_MNIST_DIR");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(kDebianDir);
}

FashionMnistBytes fashion_mnist_bytes_from_idx(IdxArray images, const IdxArray& labels, const std::string& source,
                                               std::size_t limit, std::size_t side) {
  const char* op = "load_fashion_mnist";
  if (images.dims.size() != 3)
    fail(op, source, ": the image file has ", images.dims.size(), " dims; expected 3 (count, rows, cols)");
  if (labels.dims.size() != 1) fail(op, source, ": the label file has ", labels.dims.size(), " dims; expected 1");
  // Checked here, at load: a model for the dataset takes side x side inputs, and 1x784 images
  // have the right count of pixels but not the layout.
  if (side != 0 && (images.dims[1] != side || images.dims[2] != side))
    fail(op, source, ": the images are ", images.dims[1], "x", images.dims[2], "; Fashion-MNIST's are ", side, "x",
         side, " (", side * side, " inputs to a model)");
  const std::size_t n = images.dims[0], pixels = images.dims[1] * images.dims[2];
  if (labels.dims[0] != n)
    fail(op, source, ": the image file holds ", n, " images but the label file holds ", labels.dims[0], " labels");
  for (std::size_t i = 0; i < n; ++i)
    if (labels.data[i] >= kFashionMnistClasses)
      fail(op, source, ": label ", i, " is ", int(labels.data[i]), "; classes are 0 to ", kFashionMnistClasses - 1);

  const std::size_t keep = limit > 0 && limit < n ? limit : n;
  if (keep < n) {  // a quick run's few images: the rest of the file is let go
    images.data.resize(keep * pixels);
    images.data.shrink_to_fit();
  }
  xt::xarray<std::int64_t> y = xt::empty<std::int64_t>(Shape{keep});
  for (std::size_t i = 0; i < keep; ++i) y(i) = labels.data[i];
  return {ByteImages(std::move(images.data), Shape{keep, pixels}), Tensor(Storage(std::move(y)))};
}

FashionMnist fashion_mnist_from_idx(const IdxArray& images, const IdxArray& labels, const std::string& source,
                                    std::size_t limit, std::size_t side) {
  FashionMnistBytes bytes = fashion_mnist_bytes_from_idx(images, labels, source, limit, side);
  // Four bytes per pixel of the one the file holds: checked like every allocation a file sizes.
  checked_bytes((std::string("load_fashion_mnist: ") + source).c_str(), bytes.images.shape(), sizeof(float));
  return {bytes.images.to_tensor(), std::move(bytes.labels)};
}

namespace {

// The split's two files, read and checked; `limit` as load_fashion_mnist's.
FashionMnistBytes read_split(const std::filesystem::path& dir, Split split, std::size_t limit) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::filesystem::path image_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::filesystem::path label_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  return fashion_mnist_bytes_from_idx(read_idx(image_path), read_idx(label_path),
                                      image_path.string() + " and " + label_path.string(), limit);
}

}  // namespace

FashionMnist load_fashion_mnist(const std::filesystem::path& dir, Split split, std::size_t limit) {
  FashionMnistBytes bytes = read_split(dir, split, limit);
  checked_bytes("load_fashion_mnist", bytes.images.shape(), sizeof(float));
  return {bytes.images.to_tensor(), std::move(bytes.labels)};
}

FashionMnistBytes load_fashion_mnist_bytes(const std::filesystem::path& dir, Split split, std::size_t limit) {
  return read_split(dir, split, limit);
}

}  // namespace xgrad::data
