#!/usr/bin/env python3
"""Rewrites the quoted outputs of docs/tutorial/ (English and Chinese) from the programs' output.

    python3 scripts/tutorial_outputs.py [BUILD_DIR]     (default build/release)

Each chapter NN quotes its program examples/tutorial/tutorial_NN_*.cpp in fenced blocks that
follow a line `<!-- output: tutorial_NN_... -->`: block k gets paragraph k of the program's stdout
(paragraphs are separated by blank lines), the last block everything left. Figures are written to
docs/tutorial/figures. The test tests/examples/tutorial_drift.py checks the result.
"""
import glob
import os
import re
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/release")
FIGURES = {"01", "02", "03"}

for program in sorted(glob.glob(os.path.join(build, "examples/tutorial_*"))):
    name = os.path.basename(program)
    chapter = name.split("_")[1]
    args = ["--out", os.path.join(root, "docs/tutorial/figures")] if chapter in FIGURES else []
    text = subprocess.run([program, *args], check=True, capture_output=True, text=True).stdout
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text.strip("\n"))]
    for doc in glob.glob(os.path.join(root, f"docs/tutorial/{chapter}-*.md")) + glob.glob(
            os.path.join(root, f"docs/tutorial/zh/{chapter}-*.md")):
        lines = open(doc, encoding="utf-8").read().split("\n")
        marker = f"<!-- output: {name} -->"
        starts = [i for i, line in enumerate(lines) if line.strip() == marker]
        out, k, i = [], 0, 0
        while i < len(lines):
            out.append(lines[i])
            if lines[i].strip() == marker:
                # Copy up to the opening fence, then replace the block's body.
                i += 1
                while not lines[i].startswith("```"):
                    out.append(lines[i])
                    i += 1
                out.append(lines[i])
                i += 1
                while not lines[i].startswith("```"):
                    i += 1
                last = k == len(starts) - 1
                body = "\n\n".join(paragraphs[k:]) if last else (paragraphs[k] if k < len(paragraphs) else "")
                out.extend(body.split("\n"))
                out.append(lines[i])
                k += 1
            i += 1
        open(doc, "w", encoding="utf-8").write("\n".join(out))
        print(f"{doc}: {k} blocks of {name}")
