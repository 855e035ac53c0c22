// Way 1 of docs/extending.md: a loss composed from core ops. Autograd records every op, so the
// backward needs no code, and gradcheck in tests/losses/test_dice.cpp confirms it.
#include "xgrad/losses/dice.hpp"

#include <cmath>

#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/reduction.hpp"
#include "xgrad/losses/checks.hpp"

namespace xgrad::losses {

void DiceLossOptions::validate() const {
  check_reduction("dice_loss", reduction);
  if (!(smooth >= 0) || !std::isfinite(smooth)) fail("dice_loss", "smooth must be >= 0 and finite, got ", smooth);
}

Tensor dice_loss(const Tensor& input, const Tensor& target, const DiceLossOptions& options) {
  options.validate();
  detail::check_pair("dice_loss", input, target);
  if (input.dim() < 2) fail("dice_loss", "input must be (N, ...) with at least 2 dims, got ", to_string(input.shape()));
  const Tensor p = input.flatten(1), t = target.flatten(1);  // (N, D): one row per sample
  const Tensor overlap = sum(p * t, {1});
  const Tensor size = sum(p, {1}) + sum(t, {1});
  const Tensor dice = (2 * overlap + options.smooth) / (size + options.smooth);
  return reduce(1 - dice, options.reduction, "dice_loss");
}

}  // namespace xgrad::losses
