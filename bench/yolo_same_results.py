#!/usr/bin/env python3
"""Whether two tiny_yolo runs (their --out folders) have the same results to the bit: the losses
and mAP columns of metrics.csv, and every tensor of checkpoint.safetensors and best.safetensors
byte for byte, except the run-time entry extra.elapsed_seconds.

  build/release/examples/tiny_yolo --epochs 2 --train-images 1024 --threads 1 --out /tmp/before   # old build
  build/release/examples/tiny_yolo --epochs 2 --train-images 1024 --threads 1 --out /tmp/after    # new build
  bench/yolo_same_results.py /tmp/before /tmp/after
"""
import csv, json, os, struct, sys

RUN_TIME = {"extra.elapsed_seconds"}
TIMES = {"epoch_seconds", "elapsed_seconds"}


def tensors(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    return {k: b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]] for k, v in header.items()
            if k != "__metadata__"}


def metrics(path):
    with open(path) as f:
        return [{k: v for k, v in row.items() if k not in TIMES} for row in csv.DictReader(f)]


def main(a, b):
    ok = True
    ma, mb = metrics(os.path.join(a, "metrics.csv")), metrics(os.path.join(b, "metrics.csv"))
    print(f"metrics.csv: {len(ma)} epochs, {'same' if ma == mb else 'DIFFERENT'} losses and mAP")
    ok &= ma == mb
    for name in ("checkpoint.safetensors", "best.safetensors"):
        ta, tb = tensors(os.path.join(a, name)), tensors(os.path.join(b, name))
        diff = sorted(k for k in set(ta) | set(tb) if k not in RUN_TIME and ta.get(k) != tb.get(k))
        print(f"{name}: {len(ta)} tensors, differing: {', '.join(diff) if diff else 'none'}")
        ok &= not diff
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
