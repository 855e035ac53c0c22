// to_dot and GraphCapture (core/graphviz.*): the DOT text of a tiny graph, exactly, before and
// after backward; micrograd's neuron with its values and gradients; and rendering through dot.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <xgrad/core/autograd.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/graphviz.hpp>
#include <xgrad/core/ops/elementwise.hpp>

namespace xg = xgrad;

namespace {

// loss = sum(a * x): a parameter a = 2 (scalar), an input x = [1, 2].
TEST(Graphviz, GoldenDotAfterBackward) {
  xg::Tensor a = xg::tensor(2.0, xg::kFloat64).requires_grad_();
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::kFloat64);
  xg::Tensor loss = (a * x).sum();
  xg::GraphCapture graph(loss);
  loss.backward();
  // d loss / d a = x1 + x2 = 3; d loss / d (a x) = [1, 1]; the root's own gradient is 1.
  const std::string expected =
      "digraph xgrad {\n"
      "  rankdir=LR;\n"
      "  node [fontname=\"DejaVu Sans Mono\", fontsize=11];\n"
      "  edge [arrowsize=0.7];\n"
      "  t0 [shape=record, style=filled, fillcolor=\"#fdbf6f\", label=\"{ loss | () float64 | data 6.0000 "
      "| grad 1.0000 }\"];\n"
      "  op0 [shape=oval, fontname=\"DejaVu Sans\", label=\"sum\"];\n"
      "  op0 -> t0;\n"
      "  t1 -> op0;\n"
      "  t1 [shape=record, style=filled, fillcolor=\"white\", label=\"{ (2) float64 | data [2.0000, 4.0000] "
      "| grad [1.0000, 1.0000] }\"];\n"
      "  op1 [shape=oval, fontname=\"DejaVu Sans\", label=\"mul\"];\n"
      "  op1 -> t1;\n"
      "  t2 -> op1;\n"
      "  t3 -> op1;\n"
      "  t2 [shape=record, style=filled, fillcolor=\"#a6cee3\", label=\"{ a | () float64 | data 2.0000 "
      "| grad 3.0000 }\"];\n"
      "  t3 [shape=record, style=filled, fillcolor=\"#e0e0e0\", label=\"{ x | (2) float64 | data [1.0000, "
      "2.0000] }\"];\n"
      "}\n";
  EXPECT_EQ(graph.to_dot({.parameters = {{"a", a}}, .names = {{"x", x}, {"loss", loss}}}), expected);
}

TEST(Graphviz, BeforeBackwardShowsValuesWithoutGradients) {
  xg::Tensor a = xg::tensor(2.0, xg::kFloat64).requires_grad_();
  xg::Tensor loss = (a * 3.0).exp();
  const std::string dot = xg::to_dot(loss);
  EXPECT_NE(dot.find("data 403.4288"), std::string::npos) << dot;  // exp(6)
  EXPECT_EQ(dot.find("| grad"), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"exp\""), std::string::npos) << dot;
  // An unnamed leaf that requires grad is coloured as a parameter.
  EXPECT_NE(dot.find("fillcolor=\"#a6cee3\", label=\"{ () float64 | data 2.0000 }\""), std::string::npos) << dot;
}

TEST(Graphviz, AfterBackwardWithoutCaptureSaysHow) {
  xg::Tensor a = xg::tensor(2.0, xg::kFloat64).requires_grad_();
  xg::Tensor loss = (a * a).relu();
  loss.backward();
  try {
    (void)xg::to_dot(loss);
    FAIL() << "no error";
  } catch (const xg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("to_dot: the graph through op 'relu' was already freed by backward()"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("GraphCapture"), std::string::npos) << e.what();
  }
}

TEST(Graphviz, RetainGraphStillDraws) {
  xg::Tensor a = xg::tensor(2.0, xg::kFloat64).requires_grad_();
  xg::Tensor loss = a * a;
  loss.backward({}, /*retain_graph=*/true);
  const std::string dot = xg::to_dot(loss, {.parameters = {{"a", a}}});
  EXPECT_NE(dot.find("{ a | () float64 | data 2.0000 | grad 4.0000 }"), std::string::npos) << dot;  // 2a
}

TEST(Graphviz, LargeTensorsAreSummarized) {
  xg::Tensor w = xg::arange(0, 20, 1, xg::kFloat64).reshape({4, 5}).requires_grad_();
  xg::Tensor loss = (w * 2.0).sum();
  xg::GraphCapture graph(loss);
  loss.backward();
  const std::string dot = graph.to_dot({.parameters = {{"w", w}}});
  EXPECT_NE(dot.find("{ w | (4, 5) float64 | data min 0.0000  mean 9.5000  max 19.0000 | grad min 2.0000  mean "
                     "2.0000  max 2.0000 }"),
            std::string::npos)
      << dot;
  // Raising the limit shows the matrix, one line per row.
  const std::string full = graph.to_dot({.parameters = {{"w", w}}, .max_values = 20, .precision = 0});
  EXPECT_NE(full.find("data [[0, 1, 2, 3, 4]\\n [5, 6, 7, 8, 9]\\n [10, 11, 12, 13, 14]\\n [15, 16, 17, 18, 19]]"),
            std::string::npos)
      << full;
}

// micrograd's draw_dot demo: o = tanh(x1 w1 + x2 w2 + b). Its notebook shows o = 0.7071 and the
// gradients below; each follows from do/dn = 1 - o^2 = 0.5.
TEST(Graphviz, MicrogradNeuron) {
  auto scalar = [](double v) { return xg::tensor(v, xg::kFloat64).requires_grad_(); };
  xg::Tensor x1 = scalar(2.0), x2 = scalar(0.0), w1 = scalar(-3.0), w2 = scalar(1.0), b = scalar(6.8813735870195432);
  xg::Tensor n = x1 * w1 + x2 * w2 + b;
  xg::Tensor o = xg::tanh(n);
  xg::GraphCapture graph(o);
  o.backward();
  const std::string dot = graph.to_dot(
      {.parameters = {{"w1", w1}, {"w2", w2}, {"b", b}}, .names = {{"x1", x1}, {"x2", x2}, {"n", n}, {"o", o}}});
  for (const char* box :
       {"{ o | () float64 | data 0.7071 | grad 1.0000 }", "{ n | () float64 | data 0.8814 | grad 0.5000 }",
        "{ x1 | () float64 | data 2.0000 | grad -1.5000 }",  // w1 (1 - o^2)
        "{ w1 | () float64 | data -3.0000 | grad 1.0000 }",  // x1 (1 - o^2)
        "{ x2 | () float64 | data 0.0000 | grad 0.5000 }",   // w2 (1 - o^2)
        "{ w2 | () float64 | data 1.0000 | grad 0.0000 }",   // x2 (1 - o^2)
        "{ b | () float64 | data 6.8814 | grad 0.5000 }", "data -6.0000 | grad 0.5000 }"})
    EXPECT_NE(dot.find(box), std::string::npos) << box << "\n" << dot;
  EXPECT_EQ(graph.size(), 10u);  // 5 leaves, 2 products, 2 sums, tanh
}

TEST(Graphviz, RenderNeedsAKnownExtensionAndTheProgram) {
  xg::Tensor a = xg::tensor(2.0, xg::kFloat64).requires_grad_();
  const std::string dot = xg::to_dot(a * a);
  EXPECT_THROW(xg::render_dot(dot, "graph.jpg"), xg::Error);
  try {
    xg::render_dot(dot, testing::TempDir() + "graph.png", "xgrad-no-such-dot-program");
    FAIL() << "no error";
  } catch (const xg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'xgrad-no-such-dot-program' program was not found on PATH (Debian: "
                                         "apt-get install graphviz"),
              std::string::npos)
        << e.what();
  }
}

TEST(Graphviz, RendersPngAndSvg) {
  if (std::system("command -v dot > /dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz is not installed";
  xg::Tensor a = xg::tensor(2.0, xg::kFloat64).requires_grad_();
  xg::Tensor loss = a * a;
  xg::GraphCapture graph(loss);
  loss.backward();
  const std::string png = testing::TempDir() + "xgrad_graph.png", svg = testing::TempDir() + "xgrad_graph.svg";
  graph.render(png, {.parameters = {{"a", a}}});
  graph.render(svg, {.parameters = {{"a", a}}});
  std::ifstream p(png, std::ios::binary), s(svg);
  std::string magic(8, '\0');
  p.read(magic.data(), 8);
  EXPECT_EQ(magic, "\x89PNG\r\n\x1a\n");
  const std::string text((std::istreambuf_iterator<char>(s)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("grad 4.0000"), std::string::npos);
  std::remove(png.c_str());
  std::remove(svg.c_str());
  // Bad DOT: dot's own message is quoted.
  try {
    xg::render_dot("digraph { a -> }", png);
    FAIL() << "no error";
  } catch (const xg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'dot' failed (exit code 1): Error:"), std::string::npos) << e.what();
  }
}

}  // namespace
