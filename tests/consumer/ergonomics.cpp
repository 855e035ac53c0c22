// Issue 18's "what must show": every tensor convenience of the README, against the installed package.
#include <iostream>
#include <xgrad/xgrad.hpp>
namespace xg = xgrad;

int main() {
  xg::Tensor x = xg::tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});  // from a vector, with a shape
  xg::Tensor w = xg::tensor(std::vector<double>{0.5, -1, 2}).requires_grad_();
  std::cout << x.shape() << ' ' << x.at({1, 2}) << '\n';  // (2, 3) 6
  x.set({0, 0}, 10);                                      // element write
  x += 1;                                                 // in place: no grad involved
  auto [best, where] = xg::max(x, 1);                     // values and indices
  xg::Tensor labels = xg::slice(where, 0, 1);             // int64 slice, to the end
  xg::Tensor picked = xg::index_select(xg::one_hot(labels, 3), 1, where);
  xg::Tensor a = xg::linspace(0, 1, 3, xg::kFloat64);
  xg::Tensor y = (xg::sin(w) * xg::cos(a) + xg::atan2(w, a + 1.0) - xg::atan(w) / 2.0).sum(0);
  y.backward();
  std::cout << y << '\n' << w.grad() << '\n' << best.tolist<float>()[0] << ' ' << picked << '\n';
  const auto g = w.grad().to_vector<double>();
  const bool ok = x.at({0, 0}) == 11 && best.to_vector<float>() == std::vector<float>{11, 7} && g.size() == 3 &&
                  labels.to_vector<int>() == std::vector<int>{2} && x.sum(1).shape() == xg::Shape{2};
  std::cout << (ok ? "ok" : "WRONG") << '\n';
  return ok ? 0 : 1;
}
