#pragma once
// The tiny YOLO's pictures, on the plotting kit (plot.hpp): images with their true boxes and the
// model's detections, and the training curves (loss parts and validation mAP per epoch).
#include <cstdint>
#include <string>
#include <vector>
#include <xgrad/data/shapes.hpp>
#include <xgrad/models/detection/detection.hpp>

#include "plot/plot.hpp"

namespace plot {

// A grid of the first found.size() images of `data`, 4 times enlarged, with true boxes dashed
// and detections of at least `min_score` in their class's colour, labelled with class name and
// score.
void draw_detections(const xgrad::data::ShapesDataset& data,
                     const std::vector<std::vector<xgrad::models::Detection>>& found, double min_score,
                     const std::string& title, const std::string& path);

// One epoch's means, as metrics.csv holds them.
struct DetectionEpoch {
  double epoch = 0, loss = 0, box = 0, obj = 0, noobj = 0, cls = 0, map = 0;
};
// Loss parts (log scale) and validation mAP@0.5 per epoch; an empty `rows` draws empty frames.
void draw_detection_curves(const std::vector<DetectionEpoch>& rows, double best_map, std::int64_t best_epoch,
                           const std::string& path);

}  // namespace plot
