#!/usr/bin/env bash
# descent_paths for class (issue 19): every function of examples/descent_functions.hpp runs and
# gets its picture; a diverging run is reported as "diverged at step k" with short numbers; the
# 1-D mode draws one panel per rate.
#   descent_paths.sh WORKDIR DESCENT_PATHS
work=$1 bin=$2
source "$(dirname "$0")/lib.sh"
rm -rf "$work" && mkdir -p "$work"

png_size() {  # png_size FILE: "WIDTHxHEIGHT" from the PNG's IHDR chunk
  python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); assert d[:8]==b"\x89PNG\r\n\x1a\n"; print("%dx%d" % struct.unpack(">II", d[16:24]))' "$1"
}
no_long_numbers() {  # no number of more than 12 significant characters in the last output
  if grep -Eq '[0-9.]{13,}' "$work/last.out"; then
    echo "FAIL: a long number in the output:"; grep -E '[0-9.]{13,}' "$work/last.out" | head -3
    failures=$((failures + 1))
  fi
}

# The table, and a picture for each entry.
expect 0 "parabola     1D  f(w) = (w - 3)^2  from (0)" "$bin" --list
names=$(awk '{print $1}' "$work/last.out")
expect 0 "wrote $work/all/descent_rosenbrock.png" "$bin" --out "$work/all" --steps 40
for name in $names; do
  [[ -s $work/all/descent_$name.png ]] || { echo "FAIL: no descent_$name.png"; failures=$((failures + 1)); }
done
[[ $(png_size "$work/all/descent_quadratic.png") == 1660x840 ]] || { echo "FAIL: quadratic's size"; failures=$((failures + 1)); }
# 1-D: three rates, three panels (90 + 3 * (500 + 110) pixels wide).
[[ $(png_size "$work/all/descent_parabola.png") == 1920x1010 ]] || { echo "FAIL: parabola's size"; failures=$((failures + 1)); }

# Every rate doubled: SGD on the quadratic (lr 0.072 > 2 / 50) diverges, said in short numbers.
expect 0 "SGD              lr 0.072    diverged at step" "$bin" --out "$work/x2" --function quadratic --lr-scale 2
no_long_numbers
# The parabola, f'' = 2: rate 1.1 swings out of the view [-2, 8] at step 3 (|w - 3| = 3 * 1.2^k > 5).
expect 0 "gradient descent lr 1.1      diverged at step 3" "$bin" --out "$work/p" --function parabola
expect 0 "gradient descent lr 0.1      final loss" "$bin" --out "$work/p" --function parabola
# One panel at a chosen rate; 0.5 = 1 / f'' lands on the minimum in one step.
expect 0 "gradient descent lr 0.5      final loss 0           at (3)" "$bin" --out "$work/one" --function parabola --lr 0.5
[[ $(png_size "$work/one/descent_parabola.png") == 700x1010 ]] || { echo "FAIL: one panel's size"; failures=$((failures + 1)); }
expect 2 "--function nope: must be" "$bin" --function nope
finish
