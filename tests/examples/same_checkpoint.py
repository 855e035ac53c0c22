#!/usr/bin/env python3
"""same_checkpoint.py WHAT A B: every tensor of two safetensors files bit-identical, except the
wall-clock times (names with "seconds" or "time"), which a checkpoint keeps for a resumed run's
report. Exits 1 naming the first differing tensors; used by kill_and_resume.sh and data_parallel.sh."""
import json
import struct
import sys

what, a, b = sys.argv[1:]


def tensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    return {k: (v["dtype"], v["shape"], data[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]])
            for k, v in header.items() if "seconds" not in k and "time" not in k}


ta, tb = tensors(a), tensors(b)
if ta.keys() != tb.keys():
    sys.exit(f"FAIL: {what}: different tensors: {sorted(ta.keys() ^ tb.keys())}")
bad = [k for k in ta if ta[k] != tb[k]]
if bad:
    sys.exit(f"FAIL: {what}: {len(bad)} of {len(ta)} tensors differ: {bad[:5]}")
print(f"ok: {what}: all {len(ta)} tensors bit-identical")
