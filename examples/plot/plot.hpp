#pragma once
// Compatibility: the examples' old plot kit (a hand-written rasterizer and a bitmap font) is
// gone; this maps its names onto the installed kit <xgrad/plot/plot.hpp> (cairo), which new code
// includes directly. plot::Image is xgrad::plot::Canvas; every other name is the kit's own.
#include <xgrad/plot/plot.hpp>

namespace plot {
using namespace xgrad::plot;
using Image = xgrad::plot::Canvas;
}  // namespace plot
