#!/usr/bin/python3
"""Turns the JSON lines of bench/compare_xgrad and bench/compare_torch.py into issue 8's table.

    /usr/bin/python3 bench/compare_table.py RAW.jsonl MACHINE.json OUT_PREFIX

Pools every run of every round per (framework, workload, threads) and takes the median. The ratio
is PyTorch's time over xgrad's, PyTorch at the better of its 1- and 2-thread medians, xgrad at each
thread count; for W8 it is PyTorch's peak RSS over xgrad's. A goal counts as met when it holds with
xgrad at its better thread count (W7: and xgrad at that count within 90% of direct cblas_sgemm).
A second table gives the same from each side's best run instead of the median: on a shared machine
the fastest run is the one least disturbed by other work, a check on medians that rounds run under
different loads may skew. Writes OUT_PREFIX.md (the tables with the machine's description),
OUT_PREFIX.csv (one row per workload, medians, read by compare_chart) and OUT_PREFIX.json
(everything), and prints the markdown.
"""
import csv
import json
import statistics
import sys

# workload: (what, goal on the ratio)
WORKLOADS = {
    "W1": ("linear regression, full batch 1024x16, SGD", 3),
    "W2": ("softmax regression, Fashion-MNIST, batch 128, SGD", 3),
    "W2-epoch": ("the same, one epoch (469 steps, shuffling)", 3),
    "W3": ("MLP 784-256-10, Adam, batch 128", 1.5),
    "W4": ("tiny YOLO step: 4 convs + YOLO loss, Adam", 1.5),
    "W5": ("YOLO loss alone, forward + backward", 10),
    "W6": ("1,500 small ops (4x4) + backward, per op", 7),
    "W7": ("GEMM 1024^2 forward + backward", 0.95),
    "W8": ("peak RSS, W3 for 200 steps", 5),
}
CBLAS_SHARE = 0.9  # W7: xgrad at least 90% of direct cblas_sgemm


def make_rows(med, threads, runs):
    rows = []
    for w, (what, goal) in WORKLOADS.items():
        if not any(k[1] == w for k in med):
            continue
        x = {t: med.get(("xgrad", w, t)) for t in threads}
        p = {t: med.get(("torch", w, t)) for t in threads}
        known = [v for v in p.values() if v is not None]
        best = min(known) if known else None
        ratio = {t: (best / x[t] if best and x[t] else None) for t in threads}
        row = {"workload": w, "what": what, "unit": runs[("unit", w, 0)], "goal": goal}
        for t in threads:
            row[f"xgrad_{t}"], row[f"torch_{t}"], row[f"ratio_{t}"] = x[t], p[t], ratio[t]
        known_ratios = {t: r for t, r in ratio.items() if r is not None}
        best_t = max(known_ratios, key=known_ratios.get) if known_ratios else None
        met = best_t is not None and known_ratios[best_t] >= goal
        if w == "W6":  # and under 1 us per op
            met = met and x[best_t] < 1.0
        if w == "W7":
            for t in threads:
                c = med.get(("xgrad", "W7-cblas", t))
                row[f"cblas_{t}"] = c
                row[f"gflops_xgrad_{t}"] = 6 * 1024 ** 3 / (x[t] / 1e3) / 1e9 if x[t] else None
                row[f"gflops_torch_{t}"] = 6 * 1024 ** 3 / (p[t] / 1e3) / 1e9 if p[t] else None
                row[f"gflops_cblas_{t}"] = 6 * 1024 ** 3 / (c / 1e3) / 1e9 if c else None
                row[f"cblas_share_{t}"] = c / x[t] if c and x[t] else None
            met = met and (row.get(f"cblas_share_{best_t}") or 0) >= CBLAS_SHARE
        row["met"] = met
        if len(threads) > 1 and x[threads[0]] and x[threads[-1]]:
            row["xgrad_2t_over_1t"] = x[threads[-1]] / x[threads[0]]
        rows.append(row)
    return rows


def main():
    raw, machine_path, prefix = sys.argv[1:4]
    with open(machine_path) as f:
        machine = json.load(f)
    runs = {}
    with open(raw) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            key = (r["framework"], r["workload"], r["threads"])
            runs.setdefault(key, []).extend(r["runs"])
            runs.setdefault(("unit", r["workload"], 0), r["unit"])
    threads = sorted({k[2] for k in runs if k[0] != "unit"})
    stats = {"median": {k: statistics.median(v) for k, v in runs.items() if k[0] != "unit"},
             "best run": {k: (max(v) if k[1] == "W8" else min(v)) for k, v in runs.items() if k[0] != "unit"}}
    tables = {name: make_rows(med, threads, runs) for name, med in stats.items()}
    rows = tables["median"]
    med = stats["median"]

    def num(v, digits=3):
        if v is None:
            return "-"
        return f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:.0f}"

    lines = [f"# bench/compare: xgrad and PyTorch, {machine.get('date', '')}", ""]
    lines += [f"- {k}: {v}" for k, v in machine.items() if k != "date"]
    lines += ["", "Times per step (W5: per forward + backward, W6: per op, W7: per forward + backward; W8: peak "
              "RSS of the whole process). Ratio nT = PyTorch at its better thread count / xgrad on n threads "
              "(W8: PyTorch's RSS / xgrad's). Met: the goal of issue 8 holds with xgrad at its better thread "
              "count. xgrad 2T/1T below 1: two threads are faster."]
    head = ["workload", "unit"] + [f"xgrad {t}T" for t in threads] + [f"torch {t}T" for t in threads]
    head += [f"ratio {t}T" for t in threads] + ["goal", "met", "xgrad 2T/1T"]
    for name, table in tables.items():
        lines += ["", f"### {'Medians of every run' if name == 'median' else 'Best runs (check)'}", ""]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in table:
            cells = [f"{r['workload']} {r['what']}", r["unit"]] + [num(r[f"xgrad_{t}"]) for t in threads]
            cells += [num(r[f"torch_{t}"]) for t in threads] + [num(r[f"ratio_{t}"], 2) for t in threads]
            goal = f">= {r['goal']}" + (", < 1 us/op" if r["workload"] == "W6" else "")
            goal += f", >= {CBLAS_SHARE:.0%} of cblas" if r["workload"] == "W7" else ""
            cells += [goal, "yes" if r["met"] else "**no**", num(r.get("xgrad_2t_over_1t"), 2)]
            lines.append("| " + " | ".join(cells) + " |")
        w7 = next((r for r in table if r["workload"] == "W7"), None)
        if w7:
            lines += ["", "W7 in GFLOP/s (3 x 2 x 1024^3 flop per forward + backward):", "",
                      "| threads | xgrad matmul | cblas_sgemm direct | xgrad / cblas | PyTorch |", "|---|---|---|---|---|"]
            for t in threads:
                lines.append(f"| {t} | {num(w7[f'gflops_xgrad_{t}'])} | {num(w7[f'gflops_cblas_{t}'])} | "
                             f"{num(w7[f'cblas_share_{t}'], 3)} | {num(w7[f'gflops_torch_{t}'])} |")
    text = "\n".join(lines) + "\n"
    with open(prefix + ".md", "w") as f:
        f.write(text)
    with open(prefix + ".json", "w") as f:
        json.dump({"machine": machine, "rows": rows, "rows_best_run": tables["best run"],
                   "medians": [{"framework": k[0], "workload": k[1], "threads": k[2], "median": v}
                               for k, v in sorted(med.items())]}, f, indent=1)
    with open(prefix + ".csv", "w", newline="") as f:
        fields = ["workload", "unit", "goal"] + [f"{s}_{t}" for s in ("xgrad", "torch", "ratio") for t in threads]
        out = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        out.writeheader()
        for r in rows:
            out.writerow({k: ("" if v is None else v) for k, v in r.items()})
    print(text, end="")


if __name__ == "__main__":
    main()
