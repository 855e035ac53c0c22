// What each loss does to a prediction, drawn. Every curve is computed by xgrad itself: a batch of
// predictions goes through the loss with Reduction::None, and backward() of the sum gives each
// prediction's gradient. The PNGs back the claims of docs/losses.md:
//
//   regression.png   MSE, MAE and Huber against the residual, and the size of their gradients:
//                    MSE's grows with the error, MAE's is constant, Huber's is capped at delta.
//   outliers.png     a line fitted by gradient descent under each of the three losses to data with
//                    a few outliers: MSE is dragged towards them, MAE and Huber are not.
//   bce.png          BCE and MSE on a probability p with target 1: BCE's penalty and gradient grow
//                    without bound as p -> 0, MSE's stay below 1 and 2.
//   vanishing.png    the gradient reaching the logit z through sigmoid: MSE on sigmoid(z) goes to
//                    0 exactly when the prediction is confidently wrong; BCE's stays near 1.
//   ce_kl.png        cross-entropy and KL divergence against a prediction q for a label
//                    distribution p: the same curve shifted by the entropy H(p).
//   focal.png        the focal loss for gamma = 0 ... 5: easy examples (p_t near 1) fade out.
//   boxes.png        IoU, GIoU and DIoU losses as one box slides past another: IoU's gradient
//                    is zero once the boxes stop overlapping; GIoU's and DIoU's are not.
//
//   loss_curves --out docs/figures        (the figures the docs show)
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>
#include <xgrad/core/autograd.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/ops/elementwise.hpp>
#include <xgrad/core/ops/indexing.hpp>
#include <xgrad/core/ops/reduction.hpp>
#include <xgrad/losses/binary_cross_entropy.hpp>
#include <xgrad/losses/box_losses.hpp>
#include <xgrad/losses/cross_entropy.hpp>
#include <xgrad/losses/focal.hpp>
#include <xgrad/losses/huber.hpp>
#include <xgrad/losses/kl_div.hpp>
#include <xgrad/losses/l1.hpp>
#include <xgrad/losses/mse.hpp>
#include <xgrad/plot/plot.hpp>

#include "common/cli.hpp"

namespace xg = xgrad;
namespace plot = xgrad::plot;
namespace xl = xgrad::losses;
using Points = std::vector<std::pair<double, double>>;
using xl::Reduction;

// --- computing curves with autograd ---------------------------------------------------------

std::vector<double> linspace(double lo, double hi, int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = lo + (hi - lo) * i / (n - 1);
  return v;
}

xg::Tensor column(const std::vector<double>& v) {
  xt::xarray<double> a = xt::empty<double>(xg::Shape{v.size()});
  std::copy(v.begin(), v.end(), a.begin());
  return xg::from_xarray(std::move(a));
}

// For a loss applied elementwise to the predictions xs: each loss value, and d loss / d x.
struct Curve {
  Points loss, grad;
};
Curve evaluate(const std::vector<double>& xs, const std::function<xg::Tensor(const xg::Tensor&)>& loss_of) {
  xg::Tensor x = column(xs).requires_grad_();
  const xg::Tensor loss = loss_of(x);
  xg::sum(loss).backward();  // the losses are elementwise: d sum / d x_i = d loss_i / d x_i
  const auto& l = loss.data<double>();
  const auto& g = x.grad().data<double>();
  Curve c;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    c.loss.push_back({xs[i], l(i)});
    c.grad.push_back({xs[i], g(i)});
  }
  return c;
}

Points magnitude(Points p) {
  for (auto& [x, y] : p) y = std::abs(y);
  return p;
}

// --- drawing ------------------------------------------------------------------------------

struct Series {
  std::string label;
  Points points;
};

// One framed panel with its curves and a legend in its top-left corner.
void panel(plot::Canvas& img, const plot::Axes& ax, const std::vector<Series>& series, const std::string& x_label,
           const std::string& y_label, const std::string& title, bool legend_right = false) {
  std::vector<std::pair<std::string, plot::Color>> entries;
  ax.clip(img);
  for (std::size_t i = 0; i < series.size(); ++i) {
    plot::polyline(img, ax, series[i].points, plot::kPalette[i], 2.5);
    entries.push_back({series[i].label, plot::kPalette[i]});
  }
  img.reset_clip();
  ax.draw_frame(img, x_label, y_label, title);
  int width = 0;
  for (const auto& e : entries) width = std::max(width, plot::Canvas::text_width(e.first) + 60);
  plot::legend(img, legend_right ? ax.left + ax.width - width - 10 : ax.left + 10, ax.top + 10, entries);
}

// Two panels side by side in a 1100 x 520 image, titles above them.
plot::Axes left_axes(double x0, double x1, double y0, double y1, bool log_y = false) {
  return {.left = 80,
          .top = 100,
          .width = 440,
          .height = 340,
          .x_min = x0,
          .x_max = x1,
          .y_min = y0,
          .y_max = y1,
          .log_y = log_y};
}
plot::Axes right_axes(double x0, double x1, double y0, double y1, bool log_y = false) {
  return {.left = 630,
          .top = 100,
          .width = 440,
          .height = 340,
          .x_min = x0,
          .x_max = x1,
          .y_min = y0,
          .y_max = y1,
          .log_y = log_y};
}

void save(const plot::Canvas& img, const std::filesystem::path& path) {
  img.save_png(path.string());
  std::printf("wrote %s\n", path.string().c_str());
}

// --- the figures --------------------------------------------------------------------------

void regression(const std::filesystem::path& out) {
  const auto r = linspace(-4, 4, 400);  // prediction - target, with target 0 (never exactly 0)
  auto with = [&](auto loss) { return evaluate(r, [&](const xg::Tensor& x) { return loss(x, xg::zeros_like(x)); }); };
  const Curve mse = with([](auto& x, auto t) { return xl::mse_loss(x, t, {.reduction = Reduction::None}); });
  const Curve mae = with([](auto& x, auto t) { return xl::l1_loss(x, t, {.reduction = Reduction::None}); });
  const Curve huber = with([](auto& x, auto t) { return xl::huber_loss(x, t, {.reduction = Reduction::None}); });
  plot::Canvas img(1100, 520);
  panel(img, left_axes(-4, 4, 0, 8),
        {{"MSE (x-t)^2", mse.loss}, {"MAE |x-t|", mae.loss}, {"Huber, delta 1", huber.loss}}, "residual x - t", "loss",
        "Loss");
  panel(img, right_axes(-4, 4, 0, 8),
        {{"MSE: 2|x-t|", magnitude(mse.grad)},
         {"MAE: 1", magnitude(mae.grad)},
         {"Huber: min(|x-t|, 1)", magnitude(huber.grad)}},
        "residual x - t", "|d loss / d x|", "Gradient size");
  save(img, out / "regression.png");
}

void outliers(const std::filesystem::path& out) {
  // y = 2x + 1 plus small noise on 40 points, and 5 points far above the line at the right.
  xg::manual_seed(3);
  const int n = 45;
  const xg::Tensor x = xg::arange(0, n, 1, xg::kFloat64) / double(n - 1) * 4.0;
  xg::Tensor y = x * 2.0 + 1.0 + xg::randn({std::size_t(n)}, xg::kFloat64) * 0.3;
  for (int i = n - 5; i < n; ++i) y.data<double>()(i) -= 9.0;
  Points data;
  for (int i = 0; i < n; ++i) data.push_back({x.data<double>()(i), y.data<double>()(i)});

  auto fit = [&](const char* name, const std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&)>& loss) {
    xg::Tensor w = xg::zeros({}, xg::kFloat64).requires_grad_(), b = xg::zeros({}, xg::kFloat64).requires_grad_();
    for (int step = 0; step < 4000; ++step) {  // plain full-batch gradient descent
      loss(x * w + b, y).backward();
      w.data<double>()() -= 0.05 * w.grad().data<double>()();
      b.data<double>()() -= 0.05 * b.grad().data<double>()();
      w.set_grad({});
      b.set_grad({});
    }
    std::printf("  %-5s fit: y = %.3f x + %.3f   (truth: y = 2 x + 1)\n", name, w.item(), b.item());
    return Points{{-0.2, b.item() - 0.2 * w.item()}, {4.2, b.item() + 4.2 * w.item()}};
  };
  const Points mse = fit("MSE", [](auto& p, auto& t) { return xl::mse_loss(p, t); });
  const Points mae = fit("MAE", [](auto& p, auto& t) { return xl::l1_loss(p, t); });
  const Points huber = fit("Huber", [](auto& p, auto& t) { return xl::huber_loss(p, t); });

  plot::Canvas img(700, 560);
  const plot::Axes ax{
      .left = 80, .top = 100, .width = 580, .height = 380, .x_min = -0.2, .x_max = 4.2, .y_min = -6, .y_max = 11};
  ax.clip(img);
  plot::polyline(img, ax, {{-0.2, 0.6}, {4.2, 9.4}}, plot::kLightGray, 8.0);  // the true line y = 2x + 1
  for (const auto& [px, py] : data) img.disc(ax.px(px), ax.py(py), 4, plot::kBlack, 0.8);
  panel(img, ax, {{"MSE fit", mse}, {"MAE fit", mae}, {"Huber fit", huber}}, "x", "y", "Fits with 5 outliers in 45");
  img.text(ax.left + 10, ax.top + ax.height - 30, "wide gray line: the truth, y = 2x + 1", plot::kGray);
  save(img, out / "outliers.png");
}

void bce(const std::filesystem::path& out) {
  const auto p = linspace(0.002, 0.998, 499);  // predicted probability, target 1
  auto with = [&](auto loss) { return evaluate(p, [&](const xg::Tensor& x) { return loss(x, xg::ones_like(x)); }); };
  const Curve b = with([](auto& x, auto t) { return xl::binary_cross_entropy(x, t, {.reduction = Reduction::None}); });
  const Curve m = with([](auto& x, auto t) { return xl::mse_loss(x, t, {.reduction = Reduction::None}); });
  plot::Canvas img(1100, 520);
  panel(img, left_axes(0, 1, 0, 6), {{"BCE  -ln p", b.loss}, {"MSE  (1-p)^2", m.loss}},
        "predicted probability p of the true class", "loss", "Loss, answer 1", true);
  panel(img, right_axes(0, 1, 0.1, 1000, true), {{"BCE  1/p", magnitude(b.grad)}, {"MSE  2(1-p)", magnitude(m.grad)}},
        "predicted probability p of the true class", "|d loss / d p|", "Gradient size", true);
  save(img, out / "bce.png");
}

void vanishing(const std::filesystem::path& out) {
  const auto z = linspace(-12, 12, 481);  // the logit; the answer is 1
  const Curve mse = evaluate(z, [](const xg::Tensor& x) {
    return xl::mse_loss(xg::sigmoid(x), xg::ones_like(x), {.reduction = Reduction::None});
  });
  const Curve bce = evaluate(z, [](const xg::Tensor& x) {
    return xl::binary_cross_entropy_with_logits(x, xg::ones_like(x), {.reduction = Reduction::None});
  });
  plot::Canvas img(1100, 520);
  panel(img, left_axes(-12, 12, 0, 4), {{"MSE on sigmoid(z)", mse.loss}, {"BCE with logits", bce.loss}},
        "logit z (answer is 1; z < 0 is wrong)", "loss", "Loss, answer 1", true);
  panel(img, right_axes(-12, 12, 1e-6, 100, true),
        {{"MSE on sigmoid(z)", magnitude(mse.grad)}, {"BCE with logits", magnitude(bce.grad)}},
        "logit z (answer is 1; z < 0 is wrong)", "|d loss / d z|", "Gradient at the logit", true);
  save(img, out / "vanishing.png");
}

void ce_kl(const std::filesystem::path& out) {
  // Two classes, label distribution p = (0.7, 0.3); the prediction q = (q1, 1 - q1).
  const auto q1 = linspace(0.01, 0.99, 197);
  Points ce, kl, diff;
  const xg::Tensor p = xg::tensor({{0.7, 0.3}}, xg::kFloat64);
  for (double q : q1) {
    const xg::Tensor logq = xg::log(xg::tensor({{q, 1 - q}}, xg::kFloat64));
    const double c = xl::cross_entropy(logq, p).item();  // logits log q: softmax gives q back
    const double k = xl::kl_div(logq, p, {.reduction = Reduction::BatchMean}).item();
    ce.push_back({q, c});
    kl.push_back({q, k});
    diff.push_back({q, c - k});
  }
  plot::Canvas img(700, 560);
  const plot::Axes ax{
      .left = 80, .top = 100, .width = 580, .height = 380, .x_min = 0, .x_max = 1, .y_min = 0, .y_max = 2.5};
  panel(img, ax, {{"cross-entropy H(p, q)", ce}, {"KL(p || q)", kl}, {"difference = H(p) = 0.611", diff}},
        "predicted q1 (label p1 = 0.7)", "loss", "Cross-entropy and KL", false);
  save(img, out / "ce_kl.png");
}

void focal(const std::filesystem::path& out) {
  const auto pt = linspace(0.01, 0.999, 400);  // probability of the true class
  std::vector<double> logits;
  for (double p : pt) logits.push_back(std::log(p / (1 - p)));
  std::vector<Series> series;
  for (double gamma : {0.0, 0.5, 1.0, 2.0, 5.0}) {
    const Curve c = evaluate(logits, [gamma](const xg::Tensor& z) {
      return xl::sigmoid_focal_loss(z, xg::ones_like(z), {.alpha = -1, .gamma = gamma, .reduction = Reduction::None});
    });
    Points points;
    for (std::size_t i = 0; i < pt.size(); ++i) points.push_back({pt[i], c.loss[i].second});
    series.push_back({"gamma " + plot::format_number(gamma) + (gamma == 0 ? " (BCE)" : ""), points});
  }
  plot::Canvas img(700, 560);
  const plot::Axes ax{
      .left = 80, .top = 100, .width = 580, .height = 380, .x_min = 0, .x_max = 1, .y_min = 0, .y_max = 4};
  panel(img, ax, series, "probability of the true class p_t", "loss", "Focal loss against p_t", true);
  save(img, out / "focal.png");
}

void boxes(const std::filesystem::path& out) {
  // Box a = [s, 0, s + 2, 2] slides towards b = [0, 0, 2, 2]; the boxes overlap for s > -2.
  const auto s = linspace(-6, -0.02, 300);  // stop short of s = 0, where every coordinate ties
  auto curve = [&](xl::BoxLossOptions o, auto loss) {
    return evaluate(s, [&](const xg::Tensor& shift) {
      const xg::Tensor zero = xg::zeros_like(shift), two = xg::full(shift.shape(), 2.0, xg::kFloat64);
      const xg::Tensor a = xg::stack({shift, zero, shift + 2.0, two}, 1);
      const xg::Tensor b = xg::stack({zero, zero, two, two}, 1);
      return loss(a, b, o);
    });
  };
  const xl::BoxLossOptions none{.reduction = Reduction::None};
  const Curve iou = curve(none, xl::box_iou_loss), giou = curve(none, xl::generalized_box_iou_loss),
              diou = curve(none, xl::distance_box_iou_loss);
  plot::Canvas img(1100, 520);
  panel(img, left_axes(-6, 0, 0, 2), {{"1 - GIoU", giou.loss}, {"1 - DIoU", diou.loss}, {"1 - IoU", iou.loss}},
        "offset s of box a from box b", "loss", "Loss as box a slides onto b");
  panel(img, right_axes(-6, 0, 0, 1.2),
        {{"1 - GIoU", magnitude(giou.grad)}, {"1 - DIoU", magnitude(diou.grad)}, {"1 - IoU", magnitude(iou.grad)}},
        "offset s of box a from box b", "|d loss / d s|", "Gradient size");
  save(img, out / "boxes.png");
}

int main(int argc, char** argv) {
  std::string out = "out/loss_curves";
  cli::Parser cli("loss_curves",
                  "Draws each loss and its gradient, computed with xgrad's autograd, as PNG figures. The figures of "
                  "docs/losses.md: --out docs/figures.");
  cli.out_dir("--out", out, "folder for the PNGs (created if missing)");
  if (auto exit = cli.parse(argc, argv)) return *exit;
  return cli::guarded("loss_curves", [&] {
    regression(out);
    outliers(out);
    bce(out);
    vanishing(out);
    ce_kl(out);
    focal(out);
    boxes(out);
    return 0;
  });
}
