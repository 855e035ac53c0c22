#!/usr/bin/env bash
# The programs' output files (issue 17): every write checked, nothing half-written.
#   outputs.sh WORKDIR LINEAR_REGRESSION TINY_YOLO LOSS_CURVES
# 1. A write that fails (a file-size limit stands in for a full disk: `ulimit -f`, with SIGXFSZ
#    ignored so that write() fails with EFBIG) is reported, naming the file, with a non-zero exit;
#    the file written before is left whole and no temporary file stays behind.
# 2. Temporary files of dead processes (NAME.tmp.<pid>.<n>) are removed at start; those of live
#    processes stay.
# 3. linear_regression's summary gives the loss at the final parameters (it gave the loss before
#    the last step); loss_curves without --out writes to out/loss_curves, not docs/figures.
# 4. tiny_yolo resumed after its metrics.csv was deleted finishes (it crashed in draw_curves) and
#    says what is missing; a corrupt metrics.csv is an error naming the line and column.
work=$1 lr=$2 yolo=$3 curves=$4
source "$(dirname "$0")/lib.sh"
rm -rf "$work" && mkdir -p "$work"

limited() {  # limited KIB CMD...: CMD with files limited to KIB KiB
  local kib=$1
  shift
  (trap '' XFSZ && ulimit -f "$kib" && exec "$@")
}

# 1. metrics.csv (200 steps: ~30 KB) over a 4 KiB limit, then loss.png (5 steps: a 1 KB csv).
d=$work/lr
expect 0 "" "$lr" --out "$d" --steps 200
cp "$d/metrics.csv" "$work/metrics.before"
expect 1 "cannot write $d/metrics.csv: File too large" limited 4 "$lr" --out "$d" --steps 200 --lr 0.2
cmp -s "$d/metrics.csv" "$work/metrics.before" || { echo "FAIL: metrics.csv changed"; failures=$((failures + 1)); }
cp "$d/loss.png" "$work/loss.before"
expect 1 "cannot write $d/loss.png: File too large" limited 4 "$lr" --out "$d" --steps 5
cmp -s "$d/loss.png" "$work/loss.before" || { echo "FAIL: loss.png changed"; failures=$((failures + 1)); }
if compgen -G "$d/*.tmp.*" >/dev/null; then
  echo "FAIL: temporary files left: $(ls "$d"/*.tmp.*)"
  failures=$((failures + 1))
fi

# 2. Stale temporaries: one of a process that has ended, one of this live shell.
sleep 0 &
dead=$!
wait $dead
touch "$d/checkpoint.safetensors.tmp.$dead.0" "$d/metrics.csv.tmp.$dead.3" "$d/checkpoint.safetensors.tmp.$$.0"
expect 0 "removed 2 temporary files of killed runs" "$lr" --out "$d" --steps 5
[[ ! -e $d/checkpoint.safetensors.tmp.$dead.0 && ! -e $d/metrics.csv.tmp.$dead.3 ]] ||
  { echo "FAIL: a dead process's temporary file is still there"; failures=$((failures + 1)); }
[[ -e $d/checkpoint.safetensors.tmp.$$.0 ]] ||
  { echo "FAIL: a live process's temporary file was removed"; failures=$((failures + 1)); }
rm -f "$d/checkpoint.safetensors.tmp.$$.0"

# 3. The summary's loss is the loss at the final parameters: after 5 steps, the loss the 6-step
#    run computes at its step 5 (metrics.csv rows are numbered from 0, each the loss before it).
expect 0 "" "$lr" --out "$work/five" --steps 5
five=$(sed -n 's/^loss \([^ ]*\) after 5 steps.*/\1/p' "$work/last.out")
expect 0 "" "$lr" --out "$work/six" --steps 6
python3 - "$five" "$work/six/metrics.csv" <<'PY' || failures=$((failures + 1))
import csv, sys
printed = float(sys.argv[1])
rows = list(csv.DictReader(open(sys.argv[2])))
at5 = float(rows[5]["loss"])
if abs(printed - at5) > 1e-9 * abs(at5):
    sys.exit(f"FAIL: the summary's loss {printed} is not the loss at the final parameters {at5} "
             f"(the loss before the last step: {rows[4]['loss']})")
print(f"ok: the summary's loss {printed} is the loss at the final parameters")
PY
mkdir -p "$work/cwd/docs/figures"
(cd "$work/cwd" && expect 0 "wrote out/loss_curves/regression.png" "$curves") || failures=$((failures + 1))
[[ -z $(ls "$work/cwd/docs/figures") && -e $work/cwd/out/loss_curves/boxes.png ]] ||
  { echo "FAIL: loss_curves did not write to out/loss_curves only"; failures=$((failures + 1)); }

# 4. tiny_yolo without its metrics.csv.
y=$work/yolo
small=(--train-images 32 --val-images 8 --epochs 1 --show 2 --batch-size 16)
expect 0 "" "$yolo" --out "$y" "${small[@]}"
rm "$y/metrics.csv" "$y/curves.png"
expect 0 "holds 0 of the 1 epochs done (it is missing)" "$yolo" --out "$y" "${small[@]}" --resume
[[ -s $y/curves.png ]] || { echo "FAIL: no curves.png"; failures=$((failures + 1)); }
printf 'epoch,x\n1,abc\n' >"$y/metrics.csv"
expect 1 "$y/metrics.csv line 2: column 2 is not a number: 'abc'" "$yolo" --out "$y" "${small[@]}" --resume
finish
