#!/usr/bin/env bash
# The main job: install the Debian packages, build xgrad (release preset), run the examples.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset release
cmake --build --preset release -j2

# Until the three trainings exist, the demo is a line fit with autograd.
build/release/examples/fit_line
