#!/usr/bin/env python3
"""A compiler launcher that records each translation unit's compile time in CPU seconds.

    cmake -B build/timing --preset release -DCMAKE_CXX_COMPILER_LAUNCHER=$PWD/scripts/compile_timer.py
    XGRAD_COMPILE_LOG=/tmp/times.tsv cmake --build build/timing -j2
    python3 scripts/compile_times.py /tmp/times.tsv

CPU time (user + system of the compiler) rather than wall time: on a shared machine the wall time
of one file depends on what else runs, its CPU time hardly does. Without XGRAD_COMPILE_LOG it
only runs the compiler.
"""
import os
import subprocess
import sys

command = sys.argv[1:]
log = os.environ.get("XGRAD_COMPILE_LOG")
process = subprocess.Popen(command)
_, status, usage = os.wait4(process.pid, 0)
code = os.waitstatus_to_exitcode(status)
if log and code == 0 and "-c" in command:
    source = command[command.index("-c") + 1] if command.index("-c") + 1 < len(command) else "?"
    with open(log, "a") as out:  # one short line per write: appends from parallel jobs do not interleave
        out.write(f"{usage.ru_utime + usage.ru_stime:.2f}\t{os.path.abspath(source)}\n")
sys.exit(code)
