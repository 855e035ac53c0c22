#include "helpers.hpp"

namespace nn = xg::nn;

namespace {

TEST(Sequential, RunsInOrderAndNamesChildrenByIndex) {
  xg::manual_seed(121);
  auto fc1 = std::make_shared<nn::Linear>(4, 8);
  auto fc2 = std::make_shared<nn::Linear>(8, 2);
  nn::Sequential seq{fc1, std::make_shared<nn::ReLU>(), fc2};
  EXPECT_EQ(seq.size(), 3u);
  EXPECT_EQ(seq[2], fc2);
  std::vector<std::string> names;
  for (const auto& [name, p] : seq.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  const xg::Tensor x = xg::randn({5, 4});
  EXPECT_EQ(values(seq.forward(x)), values(fc2->forward(xg::relu(fc1->forward(x)))));
}

TEST(Sequential, FromAListBuiltAtRunTime) {
  std::vector<std::shared_ptr<nn::Module>> layers;
  for (int i = 0; i < 3; ++i) {
    layers.push_back(std::make_shared<nn::Linear>(6, 6));
    layers.push_back(std::make_shared<nn::Tanh>());
  }
  nn::Sequential seq(layers);
  EXPECT_EQ(seq.size(), 6u);
  EXPECT_EQ(seq.parameters().size(), 6u);
  auto extra = seq.push_back(std::make_shared<nn::Linear>(6, 1));
  EXPECT_EQ(seq.named_children().back().first, "6");
  EXPECT_EQ(seq.forward(xg::zeros({2, 6})).shape(), (xg::Shape{2, 1}));
  EXPECT_EQ(nn::Sequential().forward(xg::ones({2})).shape(), xg::Shape{2});  // empty: the identity
}

TEST(Sequential, ConvStackWithFlatten) {
  nn::Sequential net{std::make_shared<nn::Conv2d>(1, 4, 3, 1, 1), std::make_shared<nn::MaxPool2d>(2),
                     std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(4 * 4 * 4, 10)};
  EXPECT_EQ(net.forward(xg::zeros({2, 1, 8, 8})).shape(), (xg::Shape{2, 10}));
  EXPECT_EQ(nn::Flatten(0).forward(xg::zeros({2, 3, 4})).shape(), xg::Shape{24});
  EXPECT_EQ(nn::Flatten(1, 2).forward(xg::zeros({2, 3, 4, 5})).shape(), (xg::Shape{2, 12, 5}));
}

TEST(Sequential, Errors) {
  nn::Sequential seq{std::make_shared<nn::ReLU>()};
  EXPECT_ERROR(seq[1], "Sequential", "index 1", "1 modules");
  nn::Sequential net{std::make_shared<nn::Linear>(3, 2)};
  EXPECT_ERROR(net.forward(xg::zeros({1, 4})), "Linear", "(1, 4)");
}

// The layers of a braced list are made left to right, whatever the compiler: the same weights as
// making them one after another by hand. Made in the other order (what g++ does with function
// arguments), the first layer would get the second's random draws.
TEST(Sequential, BracedListMakesLayersInTheOrderWritten) {
  static_assert(!std::is_constructible_v<nn::Sequential, std::shared_ptr<nn::Linear>, std::shared_ptr<nn::Linear>>,
                "Sequential(a, b) must not compile: its arguments' evaluation order is the compiler's");
  xg::manual_seed(7);
  nn::Sequential braced{std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::Tanh>(),
                        std::make_shared<nn::Linear>(4, 2)};
  xg::manual_seed(7);
  auto shared = nn::sequential(
      {std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::Tanh>(), std::make_shared<nn::Linear>(4, 2)});
  xg::manual_seed(7);
  auto first = std::make_shared<nn::Linear>(3, 4);
  auto second = std::make_shared<nn::Linear>(4, 2);
  xg::manual_seed(7);
  auto second_first = std::make_shared<nn::Linear>(4, 2);
  auto first_second = std::make_shared<nn::Linear>(3, 4);

  EXPECT_EQ(values(braced[0]->named_parameters()[0].second), values(first->weight));
  EXPECT_EQ(values(braced[2]->named_parameters()[0].second), values(second->weight));
  EXPECT_EQ(values(shared->named_parameters()[0].second), values(first->weight));
  EXPECT_EQ(values(shared->named_parameters()[2].second), values(second->weight));
  EXPECT_NE(values(first_second->weight), values(first->weight));  // the order matters, so the test can fail
  EXPECT_NE(values(second_first->weight), values(second->weight));
}

}  // namespace
