#pragma once
// Run-time options as compile-time ones (internal: the optimizers' update loops). An update loop
// that tests its options per element does not vectorize; one instance per combination does.
namespace xgrad::optim::detail {

// Calls f.template operator()<flags...>() with each run-time flag as a template argument:
//   with_flags([&]<bool Maximize, bool Momentum>() { loop<Maximize, Momentum>(...); }, maximize, momentum);
template <bool... Known, class F>
void with_flags(F&& f) {
  f.template operator()<Known...>();
}
template <bool... Known, class F, class... Rest>
void with_flags(F&& f, bool next, Rest... rest) {
  if (next)
    with_flags<Known..., true>(f, rest...);
  else
    with_flags<Known..., false>(f, rest...);
}

}  // namespace xgrad::optim::detail
