#!/usr/bin/python3
"""Time to accuracy (issue 21): each training run to its target by xgrad's example program and by
its PyTorch twin in examples/reference/, side by side, three seeds, medians.

    /usr/bin/python3 bench/e2e.py [--build-dir build/release] [--seeds 0,1,2] [--trainings a,b,...]
                                  [--xgrad-threads 1,2] [--torch-threads 1] [--out bench/results/e2e]
    (bench/compare --e2e runs this with the release build, which must hold the example programs and
    blas_info: cmake --build --preset release --target fashion_mnist linear_regression tiny_yolo blas_info)

Trainings and targets:
  linreg   examples/linear_regression (default run: 200 points, 3 features, SGD lr 0.1, 200 steps)
           vs linear_regression_torch.py; target: parameters within 1e-6 (relative) of the closed form
  softmax  fashion_mnist --model softmax --optimizer adam --lr 2e-3 --schedule cosine --epochs 10
           vs fashion_mnist_torch.py with the same flags; target 84.0% test accuracy
  mlp      the same with --model mlp (784-256-10); target 88.5%
  yolo     examples/tiny_yolo --epochs 20 --train-images 4096 vs tiny_yolo_torch.py --epochs 20
           --stop-at 0.90 on the same images (written once, before the runs and untimed, by
           tiny_yolo --export-data); target mAP@0.5 0.90 on the 500 validation images, scored after
           each epoch. The PyTorch twin stops at the target; xgrad's program, which has no such flag,
           is ended by SIGTERM at the line that reports it: the time to target compares, the wall
           times and final metrics are each side's first epoch at the target

Protocol: for each seed, each training runs once per side (xgrad at each --xgrad-threads count,
PyTorch at each --torch-threads count, 1 by default: on the AVX-512 machine of the first runs its
OpenMP pool and OpenBLAS's threads spun against each other at 2; the ratios take PyTorch's faster
count), the order of the sides rotating with the seed. Every process runs under
/usr/bin/time -v (peak RSS, wall time); its stdout is read line by line and time-stamped, and the
time to target is the time from launch to the first line that reports the target met (per epoch
for the classifiers; the final line for linear regression, whose run is a fixed 200 steps: both
reach 1e-6 after 60-70 steps, and the line names how far they got). OPENBLAS_CORETYPE is set for
both sides to the kernels xgrad picks (bench/blas_info --kernels), OPENBLAS_NUM_THREADS and
OMP_NUM_THREADS to the side's thread count. The random streams differ between the frameworks
(PyTorch's generator is not xgrad's), so the data order and initial weights are other draws of the
same distributions, not the same numbers (the yolo images and targets are xgrad's own, exported).
Writes OUT.md (the table, medians over seeds, with the machine's load) and OUT.jsonl (every run).
"""
import argparse
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = "/usr/bin/python3"
CLASSIFIER = ["--optimizer", "adam", "--lr", "2e-3", "--schedule", "cosine", "--epochs", "10"]

ACC = re.compile(r"^epoch .*test accuracy ([\d.]+)%")
FINAL_ACC = re.compile(r"^(?:final )?test accuracy ([\d.]+)%")
REL = re.compile(r"relative distance .* = ([-+\de.]+)")
MAP = re.compile(r"^epoch \d+/\d+ .*mAP@0\.5 ([\d.]+)")


def trainings(build, work):
    """The runs; `work` is a scratch folder for the files a twin reads (yolo_data's)."""
    ex = os.path.join(build, "examples")
    yolo_data = os.path.join(work, "shapes_4096.safetensors")
    ref = os.path.join(ROOT, "examples", "reference")
    return {
        "linreg": {
            "target": "1e-6 of the closed form", "metric": "relative distance",
            "xgrad": lambda seed, out: [f"{ex}/linear_regression", "--seed", str(seed), "--out", out],
            "torch": lambda seed, out: [PY, f"{ref}/linear_regression_torch.py", "--seed", str(seed)],
            "progress": REL, "met": lambda v: v <= 1e-6, "final": REL,
        },
        "softmax": {
            "target": "84.0% test accuracy", "metric": "test accuracy %",
            "xgrad": lambda seed, out: [f"{ex}/fashion_mnist", "--model", "softmax", *CLASSIFIER, "--seed", str(seed),
                                        "--out", out],
            "torch": lambda seed, out: [PY, f"{ref}/fashion_mnist_torch.py", "--model", "softmax", *CLASSIFIER,
                                        "--seed", str(seed)],
            "progress": ACC, "met": lambda v: v >= 84.0, "final": FINAL_ACC,
        },
        "mlp": {
            "target": "88.5% test accuracy", "metric": "test accuracy %",
            "xgrad": lambda seed, out: [f"{ex}/fashion_mnist", "--model", "mlp", *CLASSIFIER, "--seed", str(seed),
                                        "--out", out],
            "torch": lambda seed, out: [PY, f"{ref}/fashion_mnist_torch.py", "--model", "mlp", *CLASSIFIER,
                                        "--seed", str(seed)],
            "progress": ACC, "met": lambda v: v >= 88.5, "final": ACC,
        },
        "yolo": {
            "target": "mAP@0.5 0.90 (500 validation images)", "metric": "best mAP@0.5",
            "xgrad": lambda seed, out: [f"{ex}/tiny_yolo", "--epochs", "20", "--train-images", "4096", "--seed",
                                        str(seed), "--out", out],
            "torch": lambda seed, out: [PY, f"{ref}/tiny_yolo_torch.py", "--data", yolo_data, "--epochs", "20",
                                        "--stop-at", "0.90", "--seed", str(seed)],
            "prepare": [f"{ex}/tiny_yolo", "--train-images", "4096", "--export-data", yolo_data, "--out",
                        os.path.join(work, "export")],
            "progress": MAP, "met": lambda v: v >= 0.90, "final": MAP, "stop_at_target": True,
        },
    }


def run(cmd, env, stop=None):
    """Runs cmd under /usr/bin/time -v; returns the time-stamped stdout lines, wall s, peak RSS MiB.
    When stop(line) holds for a line, the program is ended there (SIGTERM to time's child, so time
    still reports its peak RSS)."""
    stopped = False
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        start = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-v", "-o", tf.name] + cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
        lines = []
        for line in p.stdout:
            lines.append((time.perf_counter() - start, line.rstrip("\n")))
            if stop and not stopped and stop(lines[-1][1]):
                with contextlib.suppress(OSError):  # the program may have just ended by itself
                    with open(f"/proc/{p.pid}/task/{p.pid}/children") as c:
                        for child in c.read().split():
                            os.kill(int(child), signal.SIGTERM)
                stopped = True
        p.wait()
        wall = time.perf_counter() - start
        text = tf.read()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if p.returncode != 0 and not stopped:
        tail = "\n".join(l for _, l in lines[-5:])
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{tail}\n{text[-500:]}")
    return lines, wall, int(rss.group(1)) / 1024 if rss else None


def measure(name, spec, side, threads, seed, env_base):
    env = dict(env_base, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    with tempfile.TemporaryDirectory(prefix="e2e_") as out:
        def met(line):
            m = spec["progress"].search(line)
            return bool(m) and spec["met"](float(m.group(1)))
        stop = met if side == "xgrad" and spec.get("stop_at_target") else None
        lines, wall, rss = run(spec[side](seed, out), env, stop)
    to_target, last = None, None
    for t, line in lines:
        m = spec["progress"].search(line)
        if m:
            last = float(m.group(1))
            if to_target is None and spec["met"](last):
                to_target = t
    if name == "yolo":  # the best epoch's mAP is what the program keeps
        maps = [float(spec["progress"].search(l).group(1)) for _, l in lines if spec["progress"].search(l)]
        last = max(maps) if maps else None
    return {"training": name, "side": side, "threads": threads, "seed": seed, "to_target_s": to_target,
            "wall_s": wall, "peak_rss_mib": rss, "final": last}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--trainings", default="linreg,softmax,mlp")
    ap.add_argument("--xgrad-threads", default="1,2")
    ap.add_argument("--torch-threads", default="1")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "e2e"))
    a = ap.parse_args()
    work = tempfile.TemporaryDirectory(prefix="e2e_data_")
    specs = trainings(a.build_dir, work.name)
    names = a.trainings.split(",")
    unknown = set(names) - set(specs)
    if unknown:
        sys.exit(f"e2e.py: unknown trainings {sorted(unknown)}; choose among {sorted(specs)}")
    seeds = [int(s) for s in a.seeds.split(",")]
    xthreads = [int(t) for t in a.xgrad_threads.split(",") if t]
    tthreads = [int(t) for t in a.torch_threads.split(",") if t]
    env = dict(os.environ)
    kernels = subprocess.run([os.path.join(a.build_dir, "bench", "blas_info"), "--kernels"], capture_output=True,
                             text=True).stdout.strip()
    if kernels:
        env["OPENBLAS_CORETYPE"] = kernels
    for name in names:  # the twins' input files, untimed
        if specs[name].get("prepare"):
            subprocess.run(specs[name]["prepare"], env=env, check=True, stdout=subprocess.DEVNULL)
    load_start = open("/proc/loadavg").read().split()[:3]
    results = []
    raw = open(a.out + ".jsonl", "w")
    for i, seed in enumerate(seeds):
        for name in names:
            spec = specs[name]
            sides = [("xgrad", t) for t in xthreads] + ([("torch", t) for t in tthreads] if spec["torch"] else [])
            k = i % len(sides)
            for side, threads in sides[k:] + sides[:k]:
                print(f"e2e: {name} seed {seed}: {side} {threads}T", file=sys.stderr, flush=True)
                r = measure(name, spec, side, threads, seed, env)
                r["load"] = open("/proc/loadavg").read().split()[0]
                print(json.dumps(r), file=raw, flush=True)
                print("  " + json.dumps(r), file=sys.stderr, flush=True)
                results.append(r)
    load_end = open("/proc/loadavg").read().split()[:3]

    def med(rows, key):
        v = [r[key] for r in rows if r[key] is not None]
        return statistics.median(v) if v else None

    def num(v, digits=3):
        return "-" if v is None else (f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:.0f}")

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    lines = [f"# Time to accuracy: xgrad and PyTorch, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             f"- CPU: {cpu}, {os.cpu_count()} cores; OPENBLAS_CORETYPE={kernels or 'unset'} for both sides",
             f"- load average (1, 5, 15 min): at start {' '.join(load_start)}, at end {' '.join(load_end)}",
             f"- seeds {a.seeds}; medians over seeds; niceness {os.nice(0)}; rerun: /usr/bin/python3 bench/e2e.py "
             f"{' '.join(sys.argv[1:]) or '(defaults)'}",
             "", "Time to target: from the process's launch (data loading, start-up and, for xgrad's examples, "
             "the checkpoint and metrics written each epoch included) to the first line that reports the target met. "
             "Wall and peak RSS: /usr/bin/time -v of the whole run (xgrad's examples also draw their PNG figures at "
             "the end; the PyTorch twins draw none). Ratio: PyTorch's median (at its faster thread count) / xgrad's. 'reached' counts the seeds "
             "whose run met the target." + (" yolo: the final metric is the best epoch's mAP@0.5; the PyTorch twin "
             "stops at the first epoch at or above 0.90 (--stop-at); xgrad's program is ended (SIGTERM) at the line that "
             "reports it, so neither draws its figures (xgrad's time includes generating the images, ~1 s; PyTorch's reading them from "
             "tiny_yolo --export-data's file)." if "yolo" in names else ""), "",
             "| training | target | side | threads | to target s | wall s | peak RSS MiB | final metric | reached | "
             "time ratio | RSS ratio |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in names:
        rows = [r for r in results if r["training"] == name]
        # The reference: PyTorch at its faster thread count (its time and its RSS there).
        per_count = [[r for r in rows if r["side"] == "torch" and r["threads"] == t] for t in tthreads]
        per_count = [sel for sel in per_count if med(sel, "to_target_s") is not None]
        best = min(per_count, key=lambda sel: med(sel, "to_target_s"), default=[])
        t_ref, m_ref = med(best, "to_target_s"), med(best, "peak_rss_mib")
        for side, threads in [("xgrad", t) for t in xthreads] + [("torch", t) for t in tthreads]:
            sel = [r for r in rows if r["side"] == side and r["threads"] == threads]
            if not sel:
                continue
            tt, rss = med(sel, "to_target_s"), med(sel, "peak_rss_mib")
            ratio = t_ref / tt if side == "xgrad" and t_ref and tt else None
            rss_ratio = m_ref / rss if side == "xgrad" and m_ref and rss else None
            reached = sum(r["to_target_s"] is not None for r in sel)
            lines.append(f"| {name} | {specs[name]['target']} | {'PyTorch' if side == 'torch' else 'xgrad'} | "
                         f"{threads} | {num(tt)} | {num(med(sel, 'wall_s'))} | {num(rss)} | "
                         f"{num(med(sel, 'final'), 4)} | {reached}/{len(sel)} | {num(ratio, 2)} | {num(rss_ratio, 2)} |")
    text = "\n".join(lines) + "\n"
    with open(a.out + ".md", "w") as f:
        f.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
