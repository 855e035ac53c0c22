// micrograd's draw_dot demo, in xgrad: one neuron o = tanh(x1 w1 + x2 w2 + b), its graph drawn
// after backward() with every value and gradient, as in micrograd's notebook (o = 0.7071,
// do/dx1 = -1.5, do/dw1 = 1, do/dx2 = 0.5, do/dw2 = 0, do/db = 0.5). Writes neuron.dot and
// neuron.png (or --format svg) and prints the DOT text. Needs Graphviz's dot to render.
//
//   draw_graph --out docs/figures        (redraws docs/figures/neuron.png)
#include <cstdio>
#include <filesystem>
#include <string>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/graphviz.hpp>
#include <xgrad/core/ops/elementwise.hpp>

#include "common/cli.hpp"
#include "common/files.hpp"

namespace xg = xgrad;

int main(int argc, char** argv) try {
  std::string out = "out/draw_graph", format = "png";
  cli::Parser cli("draw_graph",
                  "Draws micrograd's neuron o = tanh(x1 w1 + x2 w2 + b) after backward(): each value and its "
                  "gradient, through Graphviz.");
  cli.out_dir("--out", out, "folder for neuron.dot and the picture (created if missing)");
  cli.choice("--format", format, "the picture's format", {"png", "svg", "pdf"});
  if (auto exit = cli.parse(argc, argv)) return *exit;

  // The inputs, the weights and the bias micrograd's notebook uses (b makes o exactly 1/sqrt(2)).
  auto scalar = [](double v) { return xg::tensor(v, xg::kFloat64).requires_grad_(); };
  xg::Tensor x1 = scalar(2.0), x2 = scalar(0.0);
  xg::Tensor w1 = scalar(-3.0), w2 = scalar(1.0), b = scalar(6.8813735870195432);
  xg::Tensor x1w1 = x1 * w1, x2w2 = x2 * w2;
  xg::Tensor sum = x1w1 + x2w2;
  xg::Tensor n = sum + b;
  xg::Tensor o = xg::tanh(n);

  xg::GraphCapture graph(o);  // before backward(), which frees the graph
  o.backward();

  const xg::DotOptions options{
      .parameters = {{"w1", w1}, {"w2", w2}, {"b", b}},
      .names = {{"x1", x1}, {"x2", x2}, {"x1*w1", x1w1}, {"x2*w2", x2w2}, {"x1*w1 + x2*w2", sum}, {"n", n}, {"o", o}}};
  const std::string dot = graph.to_dot(options);
  std::fputs(dot.c_str(), stdout);
  const std::filesystem::path dir(out);
  cli::write_file(dir / "neuron.dot", dot);
  const std::string picture = (dir / ("neuron." + format)).string();
  xg::render_dot(dot, picture);
  std::printf("o = %.4f; do/dx1 = %.4f, do/dw1 = %.4f, do/dx2 = %.4f, do/dw2 = %.4f, do/db = %.4f\nwrote %s\n",
              o.item(), x1.grad().item(), w1.grad().item(), x2.grad().item(), w2.grad().item(), b.grad().item(),
              picture.c_str());
  return 0;
} catch (...) {
  return cli::report_exception("draw_graph");
}
