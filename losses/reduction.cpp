#include "xgrad/losses/reduction.hpp"

#include <ostream>

#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/reduction.hpp"

namespace xgrad::losses {

const char* to_string(Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return "Reduction::None";
    case Reduction::Mean: return "Reduction::Mean";
    case Reduction::Sum: return "Reduction::Sum";
    case Reduction::BatchMean: return "Reduction::BatchMean";
  }
  return "Reduction::?";
}

std::ostream& operator<<(std::ostream& os, Reduction reduction) { return os << to_string(reduction); }

void check_reduction(const char* op, Reduction reduction) {
  if (reduction == Reduction::BatchMean)
    fail(op, "Reduction::BatchMean is only defined for kl_div; use Reduction::Mean, Sum or None");
  if (reduction != Reduction::None && reduction != Reduction::Mean && reduction != Reduction::Sum)
    fail(op, "unknown reduction ", static_cast<int>(reduction));
}

Tensor reduce(const Tensor& loss, Reduction reduction, const char* op) {
  check_reduction(op, reduction);
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Sum: return sum(loss);
    // An empty batch: the sum (0) divided by the count (0) is NaN, PyTorch's answer; the
    // gradient of the empty input is empty, so nothing upstream is poisoned.
    case Reduction::Mean: return loss.numel() == 0 ? sum(loss) / 0.0 : mean(loss);
    default: break;
  }
  fail(op, "unknown reduction ", static_cast<int>(reduction));
}

}  // namespace xgrad::losses
