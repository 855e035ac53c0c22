#!/usr/bin/python3
"""Turns the JSON lines of bench/compare_xgrad, bench/compare_torch.py and bench/compare_libtorch
into issue 8's table (issue 21: with the libtorch column and a roofline table).

    /usr/bin/python3 bench/compare_table.py RAW.jsonl MACHINE.json OUT_PREFIX

Pools every run of every round per (framework, workload, threads) and takes the median. The ratio
is the faster peer's time over xgrad's: the best of PyTorch's and libtorch's 1- and 2-thread
medians, xgrad at each thread count; for W8 it is the smaller peer peak RSS over xgrad's. A goal counts as met when it holds with
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
PEERS = ("torch", "libtorch")  # the ratio is taken against the faster of the two
NAMES = {"xgrad": "xgrad", "torch": "PyTorch", "libtorch": "libtorch"}


def step_flop():
    """Floating-point operations of the products a step must compute (2 per multiply-add), for the
    roofline column. Gradients for the input batch are not needed and not counted."""
    b = 128
    w3 = 2 * b * 784 * 256 * 2 + 2 * b * 256 * 10 * 3  # fc1: forward, dW; fc2: forward, dW, dX
    # W4: (16, 3, 64, 64) -> conv 3->16 s2 (32x32) -> 16->32 s2 (16x16) -> 32->64 s2 (8x8) -> 1x1 64->24
    n = 16
    convs = [(16 * 32 * 32, 3 * 9, False), (32 * 16 * 16, 16 * 9, True), (64 * 8 * 8, 32 * 9, True),
             (24 * 8 * 8, 64, True)]  # (outputs per image, multiply-adds per output, needs dX)
    w4 = sum(2 * n * out * k * (3 if dx else 2) for out, k, dx in convs)
    w7 = 3 * 2 * 1024 ** 3
    return {"W3": w3, "W4": w4, "W7": w7}


FLOP = step_flop()


def make_rows(med, threads, runs):
    rows = []
    peers = [f for f in PEERS if any(k[0] == f for k in med)]
    for w, (what, goal) in WORKLOADS.items():
        if not any(k[1] == w for k in med):
            continue
        x = {t: med.get(("xgrad", w, t)) for t in threads}
        row = {"workload": w, "what": what, "unit": runs[("unit", w, 0)], "goal": goal}
        # The faster peer at its better thread count (W8: the smaller RSS).
        best, best_peer = None, None
        for f in peers:
            for t in threads:
                v = med.get((f, w, t))
                row[f"{f}_{t}"] = v
                if v is not None and (best is None or v < best):
                    best, best_peer = v, f
        row["peer"] = best_peer
        ratio = {t: (best / x[t] if best and x[t] else None) for t in threads}
        for t in threads:
            row[f"xgrad_{t}"], row[f"ratio_{t}"] = x[t], ratio[t]
            for f in peers:  # the ratio against each peer alone
                pv = [v for v in (med.get((f, w, u)) for u in threads) if v is not None]
                row[f"ratio_{f}_{t}"] = min(pv) / x[t] if pv and x[t] else None
        known_ratios = {t: r for t, r in ratio.items() if r is not None}
        best_t = max(known_ratios, key=known_ratios.get) if known_ratios else None
        met = best_t is not None and known_ratios[best_t] >= goal
        if w == "W6":  # and under 1 us per op
            met = met and x[best_t] < 1.0
        if w == "W7":
            for t in threads:
                c = med.get(("xgrad", "W7-cblas", t))
                row[f"cblas_{t}"] = c
                row[f"gflops_xgrad_{t}"] = FLOP["W7"] / (x[t] / 1e3) / 1e9 if x[t] else None
                for f in peers:
                    v = row.get(f"{f}_{t}")
                    row[f"gflops_{f}_{t}"] = FLOP["W7"] / (v / 1e3) / 1e9 if v else None
                row[f"gflops_cblas_{t}"] = FLOP["W7"] / (c / 1e3) / 1e9 if c else None
                row[f"cblas_share_{t}"] = c / x[t] if c and x[t] else None
            met = met and (row.get(f"cblas_share_{best_t}") or 0) >= CBLAS_SHARE
        row["met"] = met
        if len(threads) > 1 and x[threads[0]] and x[threads[-1]]:
            row["xgrad_2t_over_1t"] = x[threads[-1]] / x[threads[0]]
        rows.append(row)
    return rows


def roofline(med, threads):
    """W3, W4, W7: FLOP per step, GFLOP/s reached, and the fraction of the machine's sgemm rate at
    the same thread count (direct cblas_sgemm on 1024^2 operands, W7-cblas, measured in the run)."""
    out = []
    for w in ("W3", "W4", "W7"):
        row = {"workload": w, "mflop": FLOP[w] / 1e6}
        for t in threads:
            c = med.get(("xgrad", "W7-cblas", t))
            peak = FLOP["W7"] / (c / 1e3) / 1e9 if c else None
            row[f"sgemm_gflops_{t}"] = peak
            for f in ("xgrad",) + PEERS:
                v = med.get((f, w, t))
                g = FLOP[w] / (v / 1e3) / 1e9 if v else None
                row[f"gflops_{f}_{t}"] = g
                row[f"fraction_{f}_{t}"] = g / peak if g and peak else None
        out.append(row)
    return out


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

    peers = [f for f in PEERS if any(k[0] == f for k in med)]
    lines = [f"# bench/compare: xgrad, {' and '.join(NAMES[f] for f in peers)}, {machine.get('date', '')}", ""]
    lines += [f"- {k}: {v}" for k, v in machine.items() if k != "date"]
    lines += ["", "Times per step (W5: per forward + backward, W6: per op, W7: per forward + backward; W8: peak "
              "RSS of the whole process). Ratio nT = the faster peer (PyTorch or libtorch, each at its better "
              "thread count; 'peer' names it) / xgrad on n threads (W8: the smaller peer RSS / xgrad's). The "
              "columns 'vs PyTorch' and 'vs libtorch' give the ratio against each alone at xgrad's better "
              "thread count. Met: the goal holds with xgrad at its better thread count. xgrad 2T/1T below 1: "
              "two threads are faster."]
    head = ["workload", "unit"] + [f"xgrad {t}T" for t in threads]
    head += [f"{NAMES[f]} {t}T" for f in peers for t in threads]
    head += [f"ratio {t}T" for t in threads] + ["peer"] + [f"vs {NAMES[f]}" for f in peers]
    head += ["goal", "met", "xgrad 2T/1T"]
    for name, table in tables.items():
        lines += ["", f"### {'Medians of every run' if name == 'median' else 'Best runs (check)'}", ""]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in table:
            cells = [f"{r['workload']} {r['what']}", r["unit"]] + [num(r[f"xgrad_{t}"]) for t in threads]
            cells += [num(r.get(f"{f}_{t}")) for f in peers for t in threads]
            cells += [num(r[f"ratio_{t}"], 2) for t in threads] + [NAMES.get(r["peer"], "-")]
            for f in peers:
                vs = [r.get(f"ratio_{f}_{t}") for t in threads]
                vs = [v for v in vs if v is not None]
                cells.append(num(max(vs), 2) if vs else "-")
            goal = f">= {r['goal']}" + (", < 1 us/op" if r["workload"] == "W6" else "")
            goal += f", >= {CBLAS_SHARE:.0%} of cblas" if r["workload"] == "W7" else ""
            cells += [goal, "yes" if r["met"] else "**no**", num(r.get("xgrad_2t_over_1t"), 2)]
            lines.append("| " + " | ".join(cells) + " |")
        w7 = next((r for r in table if r["workload"] == "W7"), None)
        if w7:
            lines += ["", "W7 in GFLOP/s (3 x 2 x 1024^3 flop per forward + backward):", "",
                      "| threads | xgrad matmul | cblas_sgemm direct | xgrad / cblas | "
                      + " | ".join(NAMES[f] for f in peers) + " |", "|---|---|---|---|" + "---|" * len(peers)]
            for t in threads:
                lines.append(f"| {t} | {num(w7[f'gflops_xgrad_{t}'])} | {num(w7[f'gflops_cblas_{t}'])} | "
                             f"{num(w7[f'cblas_share_{t}'], 3)} | "
                             + " | ".join(num(w7.get(f"gflops_{f}_{t}")) for f in peers) + " |")
        roof = roofline(stats["median" if name == "median" else "best run"], threads)
        lines += ["", "Roofline: FLOP of the products each step must compute (W3: fc1 forward and weight "
                  "gradient, fc2 forward and both gradients; W4: the four convs forward and weight gradients, "
                  "input gradients for all but the first; W7: three 1024^3 products), the rate reached, and its "
                  "fraction of the machine's sgemm rate at the same thread count (direct cblas_sgemm on 1024^2 "
                  "operands, OpenBLAS's own threads: W7-cblas of this run).", "",
                  "| workload | MFLOP/step | sgemm GFLOP/s 1T / 2T | "
                  + " | ".join(f"{NAMES[f]} GFLOP/s (fraction) {t}T" for f in ("xgrad",) + tuple(peers) for t in threads)
                  + " |", "|---|---|---|" + "---|" * ((1 + len(peers)) * len(threads))]
        for r in roof:
            cells = [r["workload"], num(r["mflop"]), " / ".join(num(r.get(f"sgemm_gflops_{t}")) for t in threads)]
            for f in ("xgrad",) + tuple(peers):
                for t in threads:
                    g, q = r.get(f"gflops_{f}_{t}"), r.get(f"fraction_{f}_{t}")
                    cells.append(f"{num(g)} ({q:.0%})" if g and q else "-")
            lines.append("| " + " | ".join(cells) + " |")
        if name == "median":
            rows_roof = roof
    text = "\n".join(lines) + "\n"
    with open(prefix + ".md", "w") as f:
        f.write(text)
    with open(prefix + ".json", "w") as f:
        json.dump({"machine": machine, "rows": rows, "rows_best_run": tables["best run"], "roofline": rows_roof,
                   "medians": [{"framework": k[0], "workload": k[1], "threads": k[2], "median": v}
                               for k, v in sorted(med.items())]}, f, indent=1)
    with open(prefix + ".csv", "w", newline="") as f:
        fields = ["workload", "unit", "goal"] + [f"{s}_{t}" for s in ("xgrad",) + tuple(peers) + ("ratio",)
                                                  for t in threads] + ["peer"]
        out = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        out.writeheader()
        for r in rows:
            out.writerow({k: ("" if v is None else v) for k, v in r.items()})
    print(text, end="")


if __name__ == "__main__":
    main()
