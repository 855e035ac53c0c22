#!/usr/bin/env python3
"""Markdown tables from alt_compare.sh's JSONL and alt_gbench.sh's JSON files: per workload and
thread count the median over every run of every round for each revision, new/old, and the range
of the per-round ratios (round r's new median / round r's old median)."""
import glob, json, re, statistics as st, sys
from collections import defaultdict

def compare(path, old, new):
    runs = defaultdict(list); rounds = defaultdict(dict); units = {}; order = []
    for line in open(path):
        if not line.startswith("{"): continue
        d = json.loads(line)
        k = (d["workload"], d["threads"])
        if k not in order: order.append(k)
        runs[k + (d["rev"],)] += d["runs"]
        rounds[k][(d["rev"], d["round"])] = d["median"]
        units[d["workload"]] = d["unit"]
    order.sort(key=lambda k: (k[1], k[0]))
    print(f"| workload | threads | unit | {old} median | {new} median | {new}/{old} | per-round ratios (min-max) | rounds |")
    print("|---|---|---|---|---|---|---|---|")
    for k in order:
        a, b = runs.get(k + (old,)), runs.get(k + (new,))
        if not a or not b: continue
        ma, mb = st.median(a), st.median(b)
        rs = sorted(rounds[k][(new, r)] / rounds[k][(old, r)] for (rev, r) in rounds[k] if rev == old and (new, r) in rounds[k])
        print(f"| {k[0]} | {k[1]} | {units[k[0]]} | {ma:.4g} | {mb:.4g} | {mb/ma:.3f} | {rs[0]:.2f}-{rs[-1]:.2f} | {len(rs)} |")

def gbench(outdir, old, new):
    reps = defaultdict(list); rmed = defaultdict(dict)
    for f in glob.glob(f"{outdir}/*.json"):
        rev, r = re.match(r"(.*)_(\d+)\.json", f.split("/")[-1]).groups()
        for b in json.load(open(f))["benchmarks"]:
            if b.get("run_type") == "iteration": reps[(b["run_name"], rev)].append(b["real_time"])
            elif b.get("aggregate_name") == "median": rmed[b["run_name"]][(rev, int(r))] = b["real_time"]
    print(f"| benchmark | {old} median (us) | {new} median (us) | {new}/{old} | per-round ratios (min-max) | rounds |")
    print("|---|---|---|---|---|---|")
    for name in sorted(rmed):
        a, b = reps[(name, old)], reps[(name, new)]
        ma, mb = st.median(a), st.median(b)
        rs = sorted(rmed[name][(new, r)] / rmed[name][(old, r)] for (rev, r) in rmed[name] if rev == old and (new, r) in rmed[name])
        print(f"| {name} | {ma:.1f} | {mb:.1f} | {mb/ma:.3f} | {rs[0]:.2f}-{rs[-1]:.2f} | {len(rs)} |")

if __name__ == "__main__":
    kind, path, old, new = sys.argv[1:5]
    (compare if kind == "compare" else gbench)(path, old, new)
