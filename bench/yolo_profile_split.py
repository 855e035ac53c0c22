#!/usr/bin/env python3
"""Where tiny_yolo's time goes, from perf call stacks: each sample is given a phase (the first
matching frame from the root down: data generation, model forward, YOLO loss, backward,
optimizer, evaluation, checkpoint, plots at the end) and an op (the first matching frame from
the leaf up: conv2d, batch_norm, silu, decode+NMS+mAP, the generator), "(gemm)" when the sample
is inside OpenBLAS.

  perf record -e cpu-clock -F 249 --call-graph dwarf,16384 -o yolo.perf \
      build/release/examples/tiny_yolo --epochs 2 --train-images 1024 --threads 1 --out /tmp/y
  perf script -i yolo.perf -F ip,sym > yolo.txt
  bench/yolo_profile_split.py yolo.txt [--hz 249]
"""
import sys, re, collections
PHASES = [  # checked from the root down: the first frame that matches names the phase
    ("data generation", r"ShapesDataset::ShapesDataset"),
    ("plots at the end", r"Report::finish"),
    ("evaluation", r"evaluate_map"),
    ("checkpoint", r"save_checkpoint"),
    ("metrics/best", r"MetricsCsv|xgrad::save|Report::end_epoch"),
    ("backward", r"run_backward|Tensor::backward"),
    ("yolo loss fwd", r"yolo_loss|YoloLoss"),
    ("model forward", r"TinyYolo::forward"),
    ("optimizer", r"Adam|Optimizer::step|optim::"),
    ("batch", r"next_batch|ShapesDataset::images|ShapesDataset::targets"),
]
OPS = [  # checked from the leaf up
    ("conv2d", r"conv2d"), ("batch_norm", r"batch_norm"), ("silu", r"silu"),
    ("decode+nms+map", r"decode_yolo|non_max_suppression|batched_nms|mean_average_precision|truths_from"),
    ("generate", r"ShapesDataset::generate"),
]
hz = float(sys.argv[sys.argv.index("--hz") + 1]) if "--hz" in sys.argv else None
stacks, cur = [], []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        if cur: stacks.append(cur)
        cur = []
        continue
    parts = line.split(None, 1)
    cur.append(parts[1] if len(parts) > 1 else "?")
if cur: stacks.append(cur)
phase_c, op_c, both = collections.Counter(), collections.Counter(), collections.Counter()
for st in stacks:
    ph = "other"
    for f in reversed(st):
        m = next((n for n, p in PHASES if re.search(p, f)), None)
        if m: ph = m; break
    op = "other"
    for f in st:
        m = next((n for n, p in OPS if re.search(p, f)), None)
        if m: op = m; break
    gem = any(re.search(r"sgemm|cblas", f) for f in st[:3])
    phase_c[ph] += 1; op_c[op] += 1; both[(ph, op + (" (gemm)" if gem else ""))] += 1
n = len(stacks)
sec = (lambda v: f"  {v / hz:6.2f} s") if hz else (lambda v: "")
print(f"{n} samples" + (f", {n / hz:.2f} s of CPU" if hz else ""))
for k, v in phase_c.most_common(): print(f"{100*v/n:5.1f}%{sec(v)}  {k}")
print()
for (ph, op), v in sorted(both.items(), key=lambda kv: -kv[1]):
    if 100 * v / n >= 0.4: print(f"{100*v/n:5.1f}%{sec(v)}  {ph:18s} {op}")
