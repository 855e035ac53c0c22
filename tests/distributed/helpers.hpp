#pragma once
// Shared by the distributed tests (run under mpirun): a small float64 MLP and a check that every
// rank holds bit-identical parameters.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <xgrad/distributed/distributed.hpp>
#include <xgrad/xgrad.hpp>

#include "expect_error.hpp"

namespace xg = xgrad;
namespace xd = xgrad::distributed;

// 6 -> 16 -> tanh -> 3: small enough for 50 steps on 2 ranks in a second.
struct TinyMlp : xg::nn::Module {
  std::shared_ptr<xg::nn::Linear> fc1, fc2;
  explicit TinyMlp(std::int64_t hidden = 16)
      : fc1(register_module("fc1", std::make_shared<xg::nn::Linear>(6, hidden))),
        fc2(register_module("fc2", std::make_shared<xg::nn::Linear>(hidden, 3))) {}
  xg::Tensor forward(const xg::Tensor& x) override { return fc2->forward(xg::tanh(fc1->forward(x))); }
};

inline std::shared_ptr<TinyMlp> make_mlp(std::uint64_t seed, xg::Dtype dtype) {
  xg::manual_seed(seed);
  auto m = std::make_shared<TinyMlp>();
  m->to(dtype);
  return m;
}

// True on every rank iff every parameter's bytes equal rank 0's on every rank.
inline bool identical_across_ranks(const xg::nn::Module& m) {
  int same = 1;
  for (const xg::Tensor& p : m.parameters()) {
    xg::Tensor copy = p.detach();
    xd::broadcast(copy, 0);
    std::visit(
        [&](const auto& a) {
          using A = std::decay_t<decltype(a)>;
          const A& b = std::get<A>(p.storage());
          if (std::memcmp(a.data(), b.data(), a.size() * sizeof(*a.data())) != 0) same = 0;
        },
        copy.storage());
  }
  xg::Tensor flag = xg::full({}, double(same), xg::kInt64);
  xd::all_reduce(flag);  // the number of ranks that agree
  return flag.data<std::int64_t>()() == xd::world_size();
}
