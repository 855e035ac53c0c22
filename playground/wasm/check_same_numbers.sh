#!/usr/bin/env bash
# Same seed, same numbers: runs the scenes of playground/wasm/same_numbers.json natively
# (playground_reference, OpenBLAS) and in the wasm module under Node (same_numbers.mjs, through the
# page's JS API), and fails if any number differs by more than 1e-6 relative. Prints both times
# per 100 classifier steps.
#
#   playground/wasm/check_same_numbers.sh [NATIVE_BUILD_DIR] [WASM_BUILD_DIR]
#
# Defaults: build/release and build/wasm. Needs `cmake --build NATIVE --target playground_reference`
# and `cmake --build --preset wasm --target xgrad_playground` first.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
native=${1:-$root/build/release}
wasm=${2:-$root/build/wasm}
reference=$native/playground/wasm/playground_reference
module=$wasm/playground/xgrad_playground.js
scenes=$root/playground/wasm/same_numbers.json
if [[ ! -x $reference ]]; then
  echo "check_same_numbers: $reference not built: cmake --build $native --target playground_reference" >&2
  exit 2
fi
if [[ ! -f $module ]]; then
  echo "check_same_numbers: $module not built: emcmake cmake --preset wasm && cmake --build --preset wasm --target xgrad_playground" >&2
  exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$reference" "$scenes" >"$out/native.json"
node "$root/playground/wasm/same_numbers.mjs" "$module" "$scenes" "$out/native.json"
