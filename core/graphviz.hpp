#pragma once
// The graph that produced a tensor, in Graphviz DOT: `dot -Tpng graph.dot -o graph.png`.
#include <string>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

std::string to_dot(const Tensor& t);

}  // namespace xgrad
