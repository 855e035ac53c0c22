#pragma once
// Fashion-MNIST (Zalando): 28x28 grey images of clothes in 10 classes, 60,000 for training and
// 10,000 for testing, read from the IDX files of Debian's package dataset-fashion-mnist:
//
//   /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
//
// Another folder holding the same four files (gzip-compressed or not, with or without the ".gz")
// can be named by the argument or by the environment variable XGRAD_FASHION_MNIST_DIR.
//
//   auto train = xg::data::load_fashion_mnist(xg::data::fashion_mnist_dir(), xg::data::Split::Train);
//   // train.images: float32 (60000, 784) in [0, 1]; train.labels: int64 (60000) in 0..9
#include <array>
#include <cstddef>
#include <filesystem>
#include <string>

#include "xgrad/core/tensor.hpp"
#include "xgrad/data/byte_images.hpp"
#include "xgrad/data/idx.hpp"

namespace xgrad::data {

enum class Split { Train, Test };

struct FashionMnist {
  Tensor images;  // float32 (N, 784): pixel / 255, rows of the 28x28 image one after another
  Tensor labels;  // int64 (N), the class index
};

// The same with the images as the files' bytes (data/byte_images.hpp): a quarter of the memory,
// converted a batch at a time. The training set takes 47 MB instead of 188.
struct FashionMnistBytes {
  ByteImages images;  // uint8 (N, 784)
  Tensor labels;      // int64 (N), the class index
};

inline constexpr std::size_t kFashionMnistClasses = 10;
inline constexpr std::size_t kFashionMnistSide = 28;
inline constexpr std::array<const char*, kFashionMnistClasses> kFashionMnistClassNames = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

// $XGRAD_FASHION_MNIST_DIR when set and not empty, else the Debian package's folder.
std::filesystem::path fashion_mnist_dir();

// Loads a split. `limit` > 0 keeps only the first `limit` examples (a quick run). Throws xg::Error
// naming the package dataset-fashion-mnist and the paths looked at when a file is missing, and
// naming the file when one is malformed or its images are not 28x28.
FashionMnist load_fashion_mnist(const std::filesystem::path& dir, Split split, std::size_t limit = 0);
// The same split, its images left as bytes: .images.to_tensor() is load_fashion_mnist's .images.
FashionMnistBytes load_fashion_mnist_bytes(const std::filesystem::path& dir, Split split, std::size_t limit = 0);

// The checks and conversion behind load_fashion_mnist, on parsed files: images (N, side, side)
// (any rows and cols when side is 0), labels (N) below 10, the same N in both (an error gives
// both counts). `source` names the pair in errors.
FashionMnist fashion_mnist_from_idx(const IdxArray& images, const IdxArray& labels, const std::string& source,
                                    std::size_t limit = 0, std::size_t side = kFashionMnistSide);
// The same checks, keeping the images' bytes (moved out of `images`, not copied).
FashionMnistBytes fashion_mnist_bytes_from_idx(IdxArray images, const IdxArray& labels, const std::string& source,
                                               std::size_t limit = 0, std::size_t side = kFashionMnistSide);

}  // namespace xgrad::data
