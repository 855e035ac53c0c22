#!/usr/bin/env bash
# The main job: install the Debian packages, build xgrad (release preset), then run the three
# trainings with their small defaults (under a minute in all on 2 cores):
#   1. linear regression by gradient descent, checked against the closed-form least squares;
#   2. softmax regression on Fashion-MNIST (Debian's dataset-fashion-mnist);
#   3. a tiny YOLO detector on generated shapes, evaluated by mAP@0.5.
# Outputs (metrics.csv, checkpoints, PNG pictures) go to out/<example>/; each program's --help
# lists its flags, including the longer runs that reach the accuracies quoted in the README.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset release
cmake --build --preset release -j2 --target linear_regression fashion_mnist tiny_yolo

examples=build/release/examples
run() {
  echo
  echo "=== $*"
  local start=$SECONDS
  "$@"
  echo "=== done in $((SECONDS - start)) s"
}
run "$examples/linear_regression" --out out/linear_regression
run "$examples/fashion_mnist" --out out/fashion_mnist
run "$examples/tiny_yolo" --out out/tiny_yolo

echo
echo "Outputs:"
for d in out/linear_regression out/fashion_mnist out/tiny_yolo; do
  echo "  $(pwd)/$d: $(cd "$d" && ls | tr '\n' ' ')"
done
