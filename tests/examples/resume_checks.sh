#!/usr/bin/env bash
# Resuming with a hostile checkpoint or with changed flags (issue 17), for linear_regression or
# fashion_mnist:
#   resume_checks.sh WORKDIR PROGRAM BINARY
# 1. counters set to 2^33, 2^40 or 2^62 in the checkpoint are refused with a message naming the
#    counter, before anything is sized (they crashed with bad_alloc / length_error);
# 2. every flag that makes the run (data, model, optimizer) is refused with both values when it
#    differs on --resume; the overrides (--lr, --momentum) are applied and said so.
work=$1 program=$2 bin=$3
source "$(dirname "$0")/lib.sh"
rm -rf "$work" && mkdir -p "$work"

# fresh DIR ARGS...: a finished run in DIR, copied to DIR.orig so each check starts from it.
fresh() {
  local dir=$1
  shift
  expect 0 "" "$bin" --out "$dir" "$@" || exit 1
  rm -rf "$dir.orig" && cp -r "$dir" "$dir.orig"
}
restore() { rm -rf "$1" && cp -r "$1.orig" "$1"; }

case $program in
  linear_regression)
    d=$work/lr
    fresh "$d" --steps 50
    for big in 8589934592 1099511627776 4611686018427387904; do
      restore "$d"
      set_int64 progress.global_step $big "$d/checkpoint.safetensors"
      expect 1 "progress.global_step is $big but its history holds (50) losses" "$bin" --out "$d" --resume --steps 100
    done
    restore "$d"
    set_int64 progress.global_step -3 "$d/checkpoint.safetensors"
    expect 1 "'progress.global_step' must be one count >= 0" "$bin" --out "$d" --resume --steps 100

    # The run's identity: refused, naming the flag and both values.
    restore "$d"
    expect 2 "--seed 5: the checkpoint $d/checkpoint.safetensors is of a run with --seed 0" \
      "$bin" --out "$d" --resume --steps 60 --seed 5
    expect 2 "--n 300: the checkpoint $d/checkpoint.safetensors is of a run with --n 200" \
      "$bin" --out "$d" --resume --steps 60 --n 300
    expect 2 "--noise 3: the checkpoint $d/checkpoint.safetensors is of a run with --noise 0.5" \
      "$bin" --out "$d" --resume --steps 60 --noise 3
    expect 2 "--features 2: the checkpoint $d/checkpoint.safetensors is of a run with --features 3" \
      "$bin" --out "$d" --resume --steps 60 --features 2
    expect 2 "--no-standardize on: the checkpoint $d/checkpoint.safetensors is of a run with --no-standardize off" \
      "$bin" --out "$d" --resume --steps 60 --no-standardize
    expect 2 "--optimizer momentum: the checkpoint $d/checkpoint.safetensors is of a run with --optimizer sgd" \
      "$bin" --out "$d" --resume --steps 60 --optimizer momentum
    cmp -s "$d/checkpoint.safetensors" "$d.orig/checkpoint.safetensors" ||
      { echo "FAIL: a refused resume changed the checkpoint"; failures=$((failures + 1)); }

    # The overrides: applied and printed. Without --lr the checkpoint's rate goes on.
    expect 0 "lr 0.1;" "$bin" --out "$d" --resume --steps 60
    # Another environment (here: the thread count) is said in one line, and the run goes on.
    expect 0 "" env OPENBLAS_NUM_THREADS=1 "$bin" --out "$d" --resume --steps 61
    expect 0 "note: this run has threads 2 where the checkpoint's had threads 1: the resumed run goes on" \
      env OPENBLAS_NUM_THREADS=2 "$bin" --out "$d" --resume --steps 62
    [[ $(grep -c "^note: " "$work/last.out") == 1 ]] || { echo "FAIL: not one note line"; failures=$((failures + 1)); }
    expect 0 "" env OPENBLAS_NUM_THREADS=2 "$bin" --out "$d" --resume --steps 63
    ! grep -q "^note: " "$work/last.out" || { echo "FAIL: a note in the same environment"; failures=$((failures + 1)); }
    # A checkpoint of before the shared schema: refused naming the file; the script migrates it.
    python3 - "$(dirname "$0")/../../scripts" "$d/checkpoint.safetensors" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from migrate_checkpoint import read, write
tensors, meta = read(sys.argv[2])
del tensors["checkpoint.version"]
for k in [k for k in tensors if k.startswith("run.")]:
    tensors["flags." + k[4:]] = tensors.pop(k)
write(sys.argv[2], tensors, meta)
PY
    expect 1 "$d/checkpoint.safetensors has no 'checkpoint.version'" "$bin" --out "$d" --resume --steps 64
    expect 0 "migrated to checkpoint schema 1" python3 "$(dirname "$0")/../../scripts/migrate_checkpoint.py" \
      "$d/checkpoint.safetensors"
    expect 0 "resumed from $d/checkpoint.safetensors at step 63" "$bin" --out "$d" --resume --steps 64
    expect 0 "--lr 0.05 overrides the checkpoint's 0.1" "$bin" --out "$d" --resume --steps 70 --lr 0.05
    [[ $(get_number optimizer.param_groups.0.lr "$d/checkpoint.safetensors") == 0.05 ]] ||
      { echo "FAIL: the checkpoint's lr is not the override's"; failures=$((failures + 1)); }
    expect 0 "sgd, lr 0.05;" "$bin" --out "$d" --resume --steps 80

    # A diverged run resumed with a lower rate recovers (it kept failing at the old rate).
    m=$work/diverged
    expect 3 "DIVERGED" "$bin" --out "$m" --lr 1.5 --steps 300 --checkpoint-every 5
    expect 3 "at lr 1.5" "$bin" --out "$m" --lr 1.5 --steps 300 --checkpoint-every 5 --resume
    expect 0 "--lr 0.1 overrides the checkpoint's 1.5" "$bin" --out "$m" --lr 0.1 --steps 300 --resume
    expect 0 "gradient descent reached the closed form" "$bin" --out "$m" --steps 300 --resume

    # Momentum: an override of the momentum optimizer.
    q=$work/momentum
    expect 0 "" "$bin" --out "$q" --optimizer momentum --steps 30
    expect 0 "--momentum 0.5 overrides the checkpoint's 0.9" "$bin" --out "$q" --optimizer momentum --steps 40 \
      --momentum 0.5 --resume
    [[ $(get_number optimizer.param_groups.0.momentum "$q/checkpoint.safetensors") == 0.5 ]] ||
      { echo "FAIL: the checkpoint's momentum is not the override's"; failures=$((failures + 1)); }
    ;;
  fashion_mnist)
    small=(--train-limit 1000 --test-limit 200 --batch-size 100)
    d=$work/fm
    fresh "$d" "${small[@]}" --epochs 1
    for big in 8589934592 1099511627776 4611686018427387904; do
      restore "$d"
      set_int64 progress.epochs_done $big "$d/checkpoint.safetensors"
      expect 1 "progress.epochs_done is $big but its entry 'history.train_loss' has 1 values" \
        "$bin" --out "$d" --resume "${small[@]}" --epochs 2
    done
    restore "$d"
    set_int64 progress.global_step 1099511627776 "$d/checkpoint.safetensors"
    expect 1 "inconsistent progress in the checkpoint: global step 1099511627776, 1 epochs done" \
      "$bin" --out "$d" --resume "${small[@]}" --epochs 2

    restore "$d"
    expect 2 "--model ovr: the checkpoint $d/checkpoint.safetensors is of a run with --model softmax" \
      "$bin" --out "$d" --resume "${small[@]}" --epochs 2 --model ovr
    expect 2 "--seed 4: the checkpoint $d/checkpoint.safetensors is of a run with --seed 0" \
      "$bin" --out "$d" --resume "${small[@]}" --epochs 2 --seed 4
    expect 2 "--optimizer adam: the checkpoint $d/checkpoint.safetensors is of a run with --optimizer sgd" \
      "$bin" --out "$d" --resume "${small[@]}" --epochs 2 --optimizer adam
    expect 2 "--batch-size 50: the checkpoint $d/checkpoint.safetensors is of a run with --batch-size 100" \
      "$bin" --out "$d" --resume --train-limit 1000 --test-limit 200 --batch-size 50 --epochs 2
    expect 2 "--train-limit 2000: the checkpoint $d/checkpoint.safetensors is of a run with --train-limit 1000" \
      "$bin" --out "$d" --resume --train-limit 2000 --test-limit 200 --batch-size 100 --epochs 2
    expect 2 "--schedule cosine: the checkpoint $d/checkpoint.safetensors is of a run with --schedule none" \
      "$bin" --out "$d" --resume "${small[@]}" --epochs 2 --schedule cosine
    cmp -s "$d/checkpoint.safetensors" "$d.orig/checkpoint.safetensors" ||
      { echo "FAIL: a refused resume changed the checkpoint"; failures=$((failures + 1)); }

    expect 0 "--lr 0.05 overrides the checkpoint's 0.1" "$bin" --out "$d" --resume "${small[@]}" --epochs 2 --lr 0.05
    [[ $(get_number optimizer.param_groups.0.lr "$d/checkpoint.safetensors") == 0.05 ]] ||
      { echo "FAIL: the checkpoint's lr is not the override's"; failures=$((failures + 1)); }
    expect 0 "sgd lr 0.05" "$bin" --out "$d" --resume "${small[@]}" --epochs 3
    expect 0 "--momentum 0.5 overrides the checkpoint's 0" "$bin" --out "$d" --resume "${small[@]}" --epochs 4 \
      --momentum 0.5

    # Under a schedule, the rate and the epochs are the schedule's: part of the run.
    c=$work/cosine
    expect 0 "" "$bin" --out "$c" "${small[@]}" --epochs 1 --schedule cosine
    expect 2 "--epochs 2: the checkpoint $c/checkpoint.safetensors is of a run with --epochs 1" \
      "$bin" --out "$c" --resume "${small[@]}" --epochs 2 --schedule cosine
    expect 2 "--lr 0.05: the checkpoint $c/checkpoint.safetensors is of a run with --lr 0.1" \
      "$bin" --out "$c" --resume "${small[@]}" --epochs 1 --schedule cosine --lr 0.05
    ;;
  *)
    echo "resume_checks.sh: no checks for $program"
    exit 1
    ;;
esac
finish
