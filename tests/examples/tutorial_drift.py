#!/usr/bin/env python3
"""The tutorial's quoted output against its program's real output (docs/tutorial/README.md).

    tutorial_drift.py SOURCE_DIR NAME PROGRAM [ARGS...]

Runs PROGRAM ARGS, then, in docs/tutorial/NN-*.md and docs/tutorial/zh/NN-*.md (NN: NAME's
chapter number, NAME = tutorial_NN_...), joins in order every fenced block that follows a line
`<!-- output: NAME -->`. The joined blocks of each chapter must be the program's stdout, line
for line (blank lines aside, so that a chapter may quote one paragraph per block): the text
between numbers exactly, each number within one unit of its last printed digit
(plus 1e-9 relative), so that a different OpenBLAS kernel or an FMA may move a last digit but a
changed program or a changed chapter fails. scripts/tutorial_outputs.py rewrites the blocks from
the programs' output. Exit 0 when both chapters match, 1 when one does not,
77 (ctest's skip) when the program says the Fashion-MNIST data it needs is not installed.
"""
import glob
import os
import re
import subprocess
import sys

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def blocks(path, name):
    """The lines of every fenced block after a `<!-- output: NAME -->` marker, joined in order."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i, found = [], 0, 0
    marker = f"<!-- output: {name} -->"
    while i < len(lines):
        if lines[i].strip() == marker:
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            if i >= len(lines) or not lines[i].startswith("```"):
                sys.exit(f"FAIL: {path}: the marker {marker} is not followed by a fenced block")
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                out.append(lines[i])
                i += 1
            found += 1
        i += 1
    return out, found


def unit(token):
    """One unit of the last printed digit of a number token: 0.01 for '3.14', 1e-06 for '1.5e-05'."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (int(exponent or 0) - decimals)


def same_line(expected, got):
    # Spaces are compared as runs: a right-aligned column ("%8.3f") gives "-0.000" one space less
    # than "0.000", and a last bit of rounding may flip the sign of a printed zero.
    if NUMBER.sub("#", expected).split() != NUMBER.sub("#", got).split():
        return False
    for e, g in zip(NUMBER.findall(expected), NUMBER.findall(got)):
        a, b = float(e), float(g)
        if abs(a - b) > 1.01 * max(unit(e), unit(g)) + 1e-9 * max(abs(a), abs(b)):
            return False
    return True


def main():
    source, name, program, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    run = subprocess.run([program, *args], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        if "Fashion-MNIST, which is missing" in run.stderr:
            print(f"SKIP: {name} needs Fashion-MNIST (Debian's dataset-fashion-mnist)")
            return 77
        print(f"FAIL: {program} exited with {run.returncode}")
        return 1
    got = [line for line in run.stdout.split("\n") if line.strip()]

    chapter = name.split("_")[1]
    docs = sorted(glob.glob(os.path.join(source, "docs/tutorial", chapter + "-*.md")))
    docs += sorted(glob.glob(os.path.join(source, "docs/tutorial/zh", chapter + "-*.md")))
    if len(docs) != 2:
        print(f"FAIL: expected chapter {chapter} in docs/tutorial/ and docs/tutorial/zh/, found {docs}")
        return 1
    failures = 0
    for doc in docs:
        expected, found = blocks(doc, name)
        expected = [line for line in expected if line.strip()]
        if found == 0:
            print(f"FAIL: {doc} quotes no output of {name} (no <!-- output: {name} --> block)")
            failures += 1
            continue
        for k in range(max(len(expected), len(got))):
            e = expected[k] if k < len(expected) else "<nothing>"
            g = got[k] if k < len(got) else "<nothing>"
            if not same_line(e, g):
                print(f"FAIL: {doc}: line {k + 1} of the quoted output differs from {os.path.basename(program)}'s")
                print(f"  chapter: {e}\n  program: {g}")
                failures += 1
                break
        else:
            print(f"ok: {doc} quotes all {len(got)} lines of {name}'s output ({found} blocks)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
