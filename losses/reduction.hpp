#pragma once
// How a loss turns its per-element values into what it returns, shared by every loss:
//   None       the per-element losses, unreduced
//   Mean       their mean (the default); over zero elements this is 0/0 = NaN, as in PyTorch
//   Sum        their sum; 0 over zero elements
//   BatchMean  their sum divided by the batch size input.size(0): kl_div only, where it gives the
//              true KL divergence per sample (every other loss rejects it)
#include <iosfwd>

#include "xgrad/core/tensor.hpp"

namespace xgrad::losses {

enum class Reduction { None, Mean, Sum, BatchMean };

using xgrad::to_string;                      // to_string(Shape) stays visible beside the overload below
const char* to_string(Reduction reduction);  // "Reduction::Mean", for messages
std::ostream& operator<<(std::ostream& os, Reduction reduction);

// Applies `reduction` to the per-element `loss`. `op` names the loss in the error thrown for
// Reduction::BatchMean, which only kl_div handles (it never calls reduce() with it).
Tensor reduce(const Tensor& loss, Reduction reduction, const char* op = "reduce");

// Throws, naming `op`, when `reduction` is BatchMean: the options check of every loss but kl_div.
void check_reduction(const char* op, Reduction reduction);

}  // namespace xgrad::losses
