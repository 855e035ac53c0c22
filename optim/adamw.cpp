#include "xgrad/optim/adamw.hpp"

#include <utility>

namespace xgrad::optim {

namespace {
std::vector<ParamGroup<AdamOptions>> decoupled(std::vector<ParamGroup<AdamWOptions>> groups) {
  std::vector<ParamGroup<AdamOptions>> out;
  out.reserve(groups.size());
  for (auto& g : groups) out.push_back({std::move(g.params), g.options.adam()});
  return out;
}
}  // namespace

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions options)
    : AdamW(std::vector<ParamGroup<AdamWOptions>>{{std::move(params), options}}) {}

AdamW::AdamW(std::vector<ParamGroup<AdamWOptions>> groups) : Adam("AdamW", decoupled(std::move(groups))) {}

}  // namespace xgrad::optim
