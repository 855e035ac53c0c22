#pragma once
// Moved to <xgrad/models/detection/detection.hpp> with the rest of detection's post-processing (issue
// 16); this path forwards there for one release.
#include "xgrad/models/detection/detection.hpp"
