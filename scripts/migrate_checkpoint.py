#!/usr/bin/env python3
"""Converts a training checkpoint written before xgrad's shared checkpoint schema (train/checkpoint.hpp,
version 1) to it, in place (the old file is kept as FILE.old):

    python3 scripts/migrate_checkpoint.py out/fashion_mnist/checkpoint.safetensors

What changes: "checkpoint.version" = 1 is added; the run's identity moves to "run.<name>" as text
(linear_regression's and fashion_mnist's "flags.<name>"; tiny_yolo's numeric "run.<name>" and its data
seeds "example.train_seed" / "example.val_seed", which become "run.train-seed" / "run.val-seed"); tiny_yolo's
other "example.*" entries become "extra.*"; "progress.epoch" and "order" become "progress.epochs_done" and
"progress.order"; "run.world_size" = "1" is added (those programs ran as one process). Each tensor's crc32 in __metadata__ is recomputed. Nothing else is touched, so a
migrated checkpoint resumes as the old one did. Needs only the Python standard library."""
import json
import os
import struct
import sys
import zlib


def read(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {k: (v["dtype"], v["shape"], data[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]])
               for k, v in header.items()}
    return tensors, {k: v for k, v in meta.items() if not k.startswith("xgrad.crc32.")}


def write(path, tensors, meta):
    meta = dict(meta)
    entries, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        meta["xgrad.crc32." + name] = "%08x" % (zlib.crc32(raw) & 0xFFFFFFFF)
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps({"__metadata__": meta, **entries}, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp.migrate"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text.encode() + b"".join(blobs))
    os.replace(tmp, path)


def text(s):
    return ("I64", [len(s)], b"".join(struct.pack("<q", b) for b in s.encode()))


def number_text(entry):
    dtype, shape, raw = entry
    if dtype == "I64":
        return str(struct.unpack("<q", raw)[0])
    v = struct.unpack("<d" if dtype == "F64" else "<f", raw)[0]
    return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)  # as C++'s shortest round trip


def migrate(tensors):
    if "checkpoint.version" in tensors:
        raise SystemExit("already of the shared schema (it has checkpoint.version)")
    out = {}
    for name, entry in tensors.items():
        if name.startswith("flags."):
            out["run." + name[len("flags."):]] = entry
        elif name.startswith("run.") and entry[1] == []:  # tiny_yolo's numeric run record
            out[name] = text(number_text(entry))
        elif name in ("example.train_seed", "example.val_seed"):
            out["run." + name[len("example."):].replace("_", "-")] = text(number_text(entry))
        elif name.startswith("example."):
            out["extra." + name[len("example."):]] = entry
        elif name == "progress.epoch":
            out["progress.epochs_done"] = entry
        elif name == "order":
            out["progress.order"] = entry
        else:
            out[name] = entry
    out["checkpoint.version"] = ("I64", [], struct.pack("<q", 1))
    out.setdefault("run.world_size", text("1"))  # programs of before the schema ran as one process
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    path = sys.argv[1]
    tensors, meta = read(path)
    migrated = migrate(tensors)
    os.replace(path, path + ".old") if not os.path.exists(path + ".old") else None
    write(path, migrated, meta)
    print(f"{path}: {len(tensors)} entries migrated to checkpoint schema 1 (the old file is {path}.old)")
