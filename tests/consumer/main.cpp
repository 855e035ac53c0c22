// Builds against an installed xgrad and checks one gradient: exit code 0 when it is right.
#include <cmath>
#include <iostream>
#include <xgrad/xgrad.hpp>
#ifdef XGRAD_CONSUMER_PLOT
#include <xgrad/plot/plot.hpp>
#endif

namespace xg = xgrad;

int main() {
  // y = sum(w * x + w^2) with x = (1, 2, 3), w = (0.5, -1, 2): dy/dw = x + 2w = (2, 0, 7).
  xg::Tensor x = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64);
  xg::Tensor w = xg::tensor({0.5, -1.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor y = (w * x + w.pow(2.0)).sum();
  y.backward();

  const double expected[] = {2.0, 0.0, 7.0};
  const auto& grad = w.grad().data<double>();
  bool ok = y.item() == 0.5 + -2.0 + 6.0 + 0.25 + 1.0 + 4.0;
  for (std::size_t i = 0; i < 3; ++i) ok = ok && std::abs(grad(i) - expected[i]) < 1e-12;
  std::cout << "y = " << y.item() << ", dy/dw = " << w.grad() << (ok ? "  ok" : "  WRONG") << '\n';
#ifdef XGRAD_CONSUMER_PLOT
  // The plot component: a chart, encoded as PNG (not written: the check runs in a scratch folder).
  namespace plot = xgrad::plot;
  const std::string png = plot::chart({{.label = "y = x^2", .points = {{0, 0}, {1, 1}, {2, 4}}}}).png();
  ok = ok && png.size() > 1000 && png.compare(1, 3, "PNG") == 0;
  std::cout << "plot: a chart of " << png.size() << " PNG bytes" << (ok ? "  ok" : "  WRONG") << '\n';
#endif
  return ok ? 0 : 1;
}
