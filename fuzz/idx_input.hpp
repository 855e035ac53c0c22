#pragma once
// Fuzz target for the IDX reader. The first byte picks a mode: parse one buffer; split the rest
// in two (two bytes give the cut) and build a Fashion-MNIST pair from them (images and labels
// must agree); or write the bytes to a file and read it through zlib (gzip or plain). Either a
// result or xg::Error.
// fuzz_idx.cpp hands it to libFuzzer; the tests replay the corpus and past findings through it.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <span>
#include <string>
#include <xgrad/core/error.hpp>
#include <xgrad/data/fashion_mnist.hpp>
#include <xgrad/data/idx.hpp>

namespace xgrad_fuzz {
namespace xd = xgrad::data;

inline void idx_input(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return;
  const std::uint8_t mode = data[0] % 3;
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  try {
    if (mode == 0) {
      (void)xd::parse_idx(rest);
    } else if (mode == 1) {
      if (rest.size() < 2) return;
      // Two bytes give the images' length; the labels are what follows them.
      const std::span<const std::uint8_t> body = rest.subspan(2);
      const std::size_t cut = std::min<std::size_t>(std::size_t(rest[0]) << 8 | rest[1], body.size());
      const auto images = xd::parse_idx(body.subspan(0, cut), "images");
      const auto labels = xd::parse_idx(body.subspan(cut), "labels");
      (void)xd::fashion_mnist_from_idx(images, labels, "pair");
    } else {
      static const std::string path = "/tmp/xgrad_fuzz_idx_" + std::to_string(getpid()) + ".gz";
      std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(rest.data()), rest.size());
      struct Remove {
        ~Remove() { std::remove(path.c_str()); }
      } remove_after;
      (void)xd::read_idx(path);
    }
  } catch (const xgrad::Error&) {
  }
}

}  // namespace xgrad_fuzz
