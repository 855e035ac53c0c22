#pragma once
// Box geometry moved to core/ops/boxes.hpp (issue 16), where the YOLO loss, NMS and mAP share it.
// This path and the names below in xgrad::losses keep working for one release; include
// <xgrad/core/ops/boxes.hpp> and call xgrad::box_iou etc. instead.
#include "xgrad/core/ops/boxes.hpp"

namespace xgrad::losses {

using xgrad::box_area;
using xgrad::box_iou;
using xgrad::complete_box_iou;
using xgrad::cxcywh_to_xyxy;
using xgrad::distance_box_iou;
using xgrad::generalized_box_iou;
using xgrad::kBoxEps;
using xgrad::xyxy_to_cxcywh;

}  // namespace xgrad::losses
