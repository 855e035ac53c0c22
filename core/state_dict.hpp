#pragma once
// Named tensors: what Module::state_dict() and an optimizer's state_dict() return and what
// xg::save / xg::load write and read. Keys are dotted paths such as "backbone.0.weight".
#include <map>
#include <string>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

using StateDict = std::map<std::string, Tensor>;

}  // namespace xgrad
