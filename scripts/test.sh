#!/usr/bin/env bash
# Every test: install the Debian packages, build xgrad (release preset), run ctest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset release
cmake --build --preset release -j2
ctest --preset release
