#pragma once
// The plot kit, all of it: #include <xgrad/plot/plot.hpp> and link xgrad::plot
// (find_package(xgrad COMPONENTS plot)). Optional: the core library never needs it.
#include "xgrad/plot/axes.hpp"
#include "xgrad/plot/canvas.hpp"
#include "xgrad/plot/chart.hpp"
#include "xgrad/plot/decision_boundary.hpp"
#include "xgrad/plot/draw.hpp"
#include "xgrad/plot/image_grid.hpp"
