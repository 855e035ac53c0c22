// Way 2 of docs/extending.md: the Dice loss of dice.cpp as one op with a hand-written backward.
// With I = sum(p t) and S = sum(p) + sum(t) + smooth per sample, loss = 1 - (2 I + smooth) / S and
//
//   d loss / d p_j = ((2 I + smooth) - 2 t_j S) / S^2       (and with p, t swapped for the target)
//
// One node instead of eight, and I and S are computed once and kept for the backward.
// tests/losses/test_dice.cpp checks it with gradcheck and against dice_loss.
#include "xgrad/core/function.hpp"
#include "xgrad/losses/checks.hpp"
#include "xgrad/losses/dice.hpp"

namespace xgrad::losses {

Tensor dice_loss_explicit(const Tensor& input, const Tensor& target, const DiceLossOptions& options) {
  options.validate();
  detail::check_pair("dice_loss", input, target);
  if (input.dim() < 2) fail("dice_loss", "input must be (N, ...) with at least 2 dims, got ", to_string(input.shape()));
  const Tensor p = input.flatten(1), t = target.flatten(1);  // (N, D), differentiable reshapes
  const Tensor loss = visit_float("dice_loss", p, t, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    const T smooth = static_cast<T>(options.smooth);
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    xt::xarray<T> out = xt::empty<T>({n}), I = xt::zeros<T>({n}), S = xt::zeros<T>({n});
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < d; ++j) {
        I(i) += x(i, j) * y(i, j);
        S(i) += x(i, j) + y(i, j);
      }
      S(i) += smooth;
      out(i) = T(1) - (T(2) * I(i) + smooth) / S(i);
    }
    return record<T>("dice_loss", std::move(out), {p, t}, [I, S, smooth](const Backward<T>& b) {
      // Per sample, as (N, 1) columns that broadcast along D: dL/dp_j = a - c t_j, dL/dt_j = a - c p_j.
      xt::xarray<T> a = b.grad * (T(2) * I + smooth) / (S * S), c = b.grad * T(2) / S;
      a.reshape(Shape{a.size(), 1});
      c.reshape(Shape{c.size(), 1});
      if (b.needs(0)) b.add(0, a - c * b.input(1));
      if (b.needs(1)) b.add(1, a - c * b.input(0));
    });
  });
  return reduce(loss, options.reduction, "dice_loss");
}

}  // namespace xgrad::losses
