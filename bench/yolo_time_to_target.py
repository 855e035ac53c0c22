#!/usr/bin/env python3
"""Time to target of tiny_yolo, binaries side by side: each run is bench/e2e.py's command
(`tiny_yolo --epochs 20 --train-images 4096 --seed S`), timed from launch to the first epoch line
whose mAP@0.5 reaches the target, then stopped. The binaries alternate within each round, so
load drifts weigh on all of them alike. Prints one line per run and the medians.

  bench/yolo_time_to_target.py --bin before=/tmp/tiny_yolo.old --bin after=build/release/examples/tiny_yolo \
      --threads 1,2 --rounds 2 --seed 0
"""
import argparse, os, re, signal, statistics, subprocess, sys, tempfile, time

EPOCH = re.compile(r"^epoch (\d+)/\d+ .*mAP@0\.5 ([0-9.]+)")
DATA = re.compile(r"^data: .* in ([0-9.]+) s")


def run(binary, threads, seed, target, env):
    out = tempfile.mkdtemp(prefix="yolo_ttt_")
    cmd = ["nice", "-n", "19", binary, "--epochs", "20", "--train-images", "4096", "--seed", str(seed),
           "--threads", str(threads), "--out", out]
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                         start_new_session=True)
    data_s, epochs, result = None, [], None
    for line in p.stdout:
        line = line.strip()
        if m := DATA.match(line):
            data_s = float(m.group(1))
        if m := EPOCH.match(line):
            now = time.monotonic() - start
            epochs.append((int(m.group(1)), float(m.group(2)), now))
            if float(m.group(2)) >= target:
                result = now
                break
    os.killpg(p.pid, signal.SIGTERM)
    p.wait()
    return result, data_s, epochs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", action="append", required=True, help="NAME=PATH, repeatable")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--target", type=float, default=0.90)
    a = ap.parse_args()
    env = dict(os.environ, OPENBLAS_CORETYPE=os.environ.get("OPENBLAS_CORETYPE", "Zen"))
    bins = [b.split("=", 1) for b in a.bin]
    times = {}
    for r in range(a.rounds):
        for t in [int(x) for x in a.threads.split(",")]:
            for name, path in bins:
                load = open("/proc/loadavg").read().split()[0]
                tt, data_s, epochs = run(path, t, a.seed, a.target, env)
                times.setdefault((name, t), []).append(tt)
                per_epoch = [round(e[2] - (epochs[i - 1][2] if i else 0), 1) for i, e in enumerate(epochs)]
                print(f"round {r} {name:8s} {t}T load {load}: to target {tt:.1f} s (data {data_s} s, epochs "
                      f"{[(e[0], e[1]) for e in epochs]}, seconds per epoch line {per_epoch})", flush=True)
    for (name, t), v in times.items():
        print(f"median {name:8s} {t}T: {statistics.median([x for x in v if x is not None]):.1f} s over {len(v)} runs")


if __name__ == "__main__":
    sys.exit(main())
