#!/usr/bin/env python3
"""Prints the compile-time table that scripts/compile_timer.py recorded: every translation unit's
CPU seconds, slowest first, with the total, and optionally beside an earlier log.

    python3 scripts/compile_times.py AFTER.tsv [BEFORE.tsv] [--limit SECONDS]

With --limit, exits 1 when a file takes longer (the goal of issue 16: 15 s at -O3).
"""
import argparse
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent


def read(path):
    times = {}
    for line in pathlib.Path(path).read_text().splitlines():
        seconds, source = line.split("\t")
        p = pathlib.Path(source)
        # Worktrees and clones differ in their root: name files from the folder under the root.
        parts = p.parts
        for anchor in ("core", "nn", "losses", "optim", "data", "models", "train", "plot", "distributed",
                       "tests", "examples", "bench", "fuzz"):
            if anchor in parts:
                p = pathlib.Path(*parts[parts.index(anchor):])
                break
        times[str(p)] = float(seconds)  # the last build of a file wins
    return times


parser = argparse.ArgumentParser()
parser.add_argument("after")
parser.add_argument("before", nargs="?")
parser.add_argument("--limit", type=float)
args = parser.parse_args()
after = read(args.after)
before = read(args.before) if args.before else {}
names = sorted(set(after) | set(before), key=lambda n: -max(after.get(n, 0), before.get(n, 0)))
print(f"| file | {'before (s) | ' if before else ''}CPU s |")
print(f"|---|{'---:|' if before else ''}---:|")
for n in names:
    b = f"{before[n]:.1f} | " if n in before else ("– | " if before else "")
    a = f"{after[n]:.1f}" if n in after else "–"
    print(f"| {n} | {b}{a} |")
total_b = f"{sum(before.values()):.0f} | " if before else ""
print(f"| **total ({len(after)} files)** | {total_b}{sum(after.values()):.0f} |")
over = [n for n in after if args.limit and after[n] > args.limit]
if over:
    print(f"over {args.limit} s: {', '.join(over)}")
    raise SystemExit(1)
