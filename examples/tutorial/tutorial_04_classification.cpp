// Tutorial chapter 4 (docs/tutorial/04-classification.md): classification.
//   1. softmax turns scores into probabilities q; cross-entropy against a label distribution p is
//      the KL divergence KL(p || q) plus the entropy H(p), a constant: CE(p, q) = H(p) + KL(p || q);
//   2. a saturated wrong prediction: cross-entropy's gradient stays near 1, MSE on the
//      probability vanishes, so MSE learns slowest exactly where the model is most wrong;
//   3. Fashion-MNIST: softmax regression against one-vs-rest (10 independent yes/no problems), the
//      same linear model and the same start, on a small subset so that it runs in seconds.
// float64 throughout: the numbers hold under every OpenBLAS kernel to the digits printed.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "common/cli.hpp"

namespace xg = xgrad;
namespace xl = xgrad::losses;
using xl::Reduction;

void print_row(const char* name, const xg::Tensor& t) {
  std::printf("  %-28s", name);
  for (double v : t.data<double>()) std::printf(" %8.4f", v);
  std::printf("\n");
}

int main(int argc, char** argv) {
  std::size_t train_limit = 5000, test_limit = 1000, epochs = 5;
  cli::Parser cli("tutorial_04_classification",
                  "Softmax and cross-entropy seen from the KL divergence, cross-entropy against MSE on a saturated "
                  "wrong prediction, and softmax regression against one-vs-rest on a Fashion-MNIST subset.");
  cli.number("--train-limit", train_limit, "Fashion-MNIST training images used", cli::between<std::size_t>(100, 60000));
  cli.number("--test-limit", test_limit, "Fashion-MNIST test images used", cli::between<std::size_t>(100, 10000));
  cli.number("--epochs", epochs, "passes over the training images", cli::between<std::size_t>(1, 100));
  if (auto exit = cli.parse(argc, argv)) return *exit;
  return cli::guarded("tutorial_04_classification", [&] {
    std::printf("1. Softmax, cross-entropy and KL for 3 classes\n");
    // One sample as a batch of one, (1, 3): kl_div's BatchMean divides by the first dimension.
    const xg::Tensor z = xg::tensor({{2.0, 1.0, 0.1}}, xg::kFloat64).requires_grad_();  // the model's scores
    const xg::Tensor p = xg::tensor({{0.8, 0.15, 0.05}}, xg::kFloat64);                 // the label distribution
    const xg::Tensor q = z.softmax(1);
    print_row("scores z", z);
    print_row("q = softmax(z)", q);
    print_row("label distribution p", p);
    const double entropy = -xg::sum(p * xg::log(p)).item();  // H(p) = -sum p log p
    const xg::Tensor ce = xl::cross_entropy(z, p);           // -sum p log q, from the scores
    const double kl = xl::kl_div(z.log_softmax(1), p, {.reduction = Reduction::BatchMean}).item();
    std::printf("  H(p)        = %.6f\n  CE(p, q)    = %.6f\n  KL(p || q)  = %.6f\n", entropy, ce.item(), kl);
    std::printf("  CE - H(p)   = %.6f   (equal to KL within 1e-12: %s)\n", ce.item() - entropy,
                std::abs(ce.item() - entropy - kl) < 1e-12 ? "yes" : "NO");
    // H(p) does not depend on the model, so minimizing CE minimizes KL: the gradients are equal,
    // and both are q - p at the scores.
    ce.backward();
    print_row("d CE / d z (autograd)", z.grad());
    print_row("q - p", q.detach() - p);

    std::printf("\n2. Target 1, logit z: the gradient reaching z\n");
    std::printf("      z   sigmoid(z)   CE loss  |dCE/dz|   MSE loss  |dMSE/dz|   ratio\n");
    for (double v : {-8.0, -4.0, -2.0, 0.0, 2.0, 4.0}) {
      xg::Tensor a = xg::tensor(v, xg::kFloat64).requires_grad_(), b = xg::tensor(v, xg::kFloat64).requires_grad_();
      const xg::Tensor one = xg::tensor(1.0, xg::kFloat64);
      xg::Tensor bce = xl::binary_cross_entropy_with_logits(a, one);  // -log sigmoid(z)
      xg::Tensor mse = xl::mse_loss(xg::sigmoid(b), one);             // (1 - sigmoid(z))^2
      bce.backward();
      mse.backward();
      const double gc = std::abs(a.grad().item()), gm = std::abs(b.grad().item());
      std::printf("  %5.1f   %10.6f   %7.4f  %8.6f   %8.6f  %9.6f   %5.0f\n", v, xg::sigmoid(a).item(), bce.item(), gc,
                  mse.item(), gm, gc / gm);
    }

    std::printf("\n3. Fashion-MNIST: softmax regression vs one-vs-rest (%zu training, %zu test images)\n", train_limit,
                test_limit);
    xg::data::FashionMnist train, test;
    try {
      train = xg::data::load_fashion_mnist(xg::data::fashion_mnist_dir(), xg::data::Split::Train, train_limit);
      test = xg::data::load_fashion_mnist(xg::data::fashion_mnist_dir(), xg::data::Split::Test, test_limit);
    } catch (const xg::Error& e) {
      std::fflush(stdout);
      std::fprintf(stderr,
                   "tutorial_04_classification: part 3 needs Fashion-MNIST, which is missing: install Debian's "
                   "package dataset-fashion-mnist (bash scripts/setup.sh does) or set XGRAD_FASHION_MNIST_DIR.\n  %s\n",
                   e.what());
      return 1;
    }
    const xg::Tensor x_train = train.images.to(xg::kFloat64), x_test = test.images.to(xg::kFloat64);
    for (const char* kind : {"softmax", "ovr"}) {
      xg::manual_seed(0);  // the same initial weights and the same batch order for both models
      auto model = xg::models::make_classifier(kind, 784, 10);
      model->to(xg::kFloat64);
      // One-vs-rest's loss is a mean over the 10 classes as well as the batch, so each logit's
      // gradient is 10 times smaller than under cross-entropy: 10 times the rate evens that out.
      const double lr = std::string(kind) == "ovr" ? 1.0 : 0.1;
      xg::optim::SGD opt(model->parameters(), {.lr = lr});
      xg::data::Batches batches(x_train, train.labels, 100);
      std::printf("  %s, SGD lr %.1f, batches of 100\n", model->name().c_str(), lr);
      for (std::size_t epoch = 1; epoch <= epochs; ++epoch) {
        double total = 0;
        for (batches.start_epoch(); batches.has_next();) {
          auto [xb, yb] = batches.next();
          opt.zero_grad();
          xg::Tensor loss = model->loss(model->forward(xb), yb);  // CE, or the mean of 10 BCEs
          loss.backward();
          opt.step();
          total += loss.item();
        }
        xg::NoGradGuard no_grad;
        const xg::Tensor predicted = xg::argmax(model->forward(x_test), 1);
        const double correct = xg::sum(xg::eq(predicted.to(xg::kFloat64), test.labels.to(xg::kFloat64))).item();
        std::printf("    epoch %zu  training loss %.4f  test accuracy %.1f %%\n", epoch,
                    total / double(batches.batches_per_epoch()), 100 * correct / double(test_limit));
      }
      xg::NoGradGuard no_grad;
      const xg::Tensor scores = model->forward(x_test);
      // The probability each model gives the true class; for one-vs-rest the 10 sigmoids are
      // independent answers, so also how much they add up to and how often none says "yes".
      const xg::Tensor probs = model->probabilities(scores);
      const double p_true = xg::mean(xg::gather(probs, 1, test.labels.reshape({std::int64_t(test_limit), 1}))).item();
      std::printf("    mean probability of the true class %.3f", p_true);
      if (std::string(kind) == "ovr") {
        const xg::Tensor s = xg::sigmoid(scores);
        const double sum = xg::mean(xg::sum(s, {1})).item();
        const double none = xg::mean(xg::max(s, 1) < 0.5).item();
        std::printf("; the 10 sigmoids sum to %.3f on average; no sigmoid above 0.5 on %.1f %% of images", sum,
                    100 * none);
      }
      std::printf("\n");
    }
    return 0;
  });
}
