#pragma once
// Argument checks shared by the losses, so every loss rejects bad input with the same sentences:
// the loss's name, what is wrong, the offending shapes, dtypes or values, and a hint.
#include "xgrad/core/tensor.hpp"

namespace xgrad::losses::detail {

// A defined float32 or float64 tensor.
void check_float(const char* op, const char* name, const Tensor& t);

// input and target: float, one dtype, one shape. Unlike PyTorch, which broadcasts a target of
// another shape with only a warning ((N, 1) against (N) silently becomes (N, N)), xgrad refuses.
void check_pair(const char* op, const Tensor& input, const Tensor& target, const char* input_name = "input",
                const char* target_name = "target");

// An optional elementwise weight (undefined = none): the input's dtype, and a shape that
// broadcasts to the input's shape without enlarging it.
void check_weight(const char* op, const char* name, const Tensor& weight, const Tensor& input);

// Every value of t lies in [0, 1]; otherwise names the first offender, its flat index and `hint`.
void check_unit_interval(const char* op, const char* name, const Tensor& t, const char* hint = "");

}  // namespace xgrad::losses::detail
