#!/usr/bin/env python3
"""The adversarial pass of issue 17, repeatable: every reproduction the issue lists, replayed and
classified as one of

  clean        refused with a clear error (or, where that is right, the right result)
  unclear      refused, but the message does not say what was wrong (issue 17's "unclear errors")
  crash        a signal, an uncaught exception, an AddressSanitizer report
  UB           an UndefinedBehaviorSanitizer report
  hang         still running at the time limit
  silent wrong a wrong result without an error
  data loss    a file lost or left damaged while the program says it is fine

Program cases run the release examples (build/release/examples: linear_regression, fashion_mnist,
tiny_yolo, descent_paths) with hand-edited checkpoints, changed flags and a file-size limit for
the full disk (`ulimit -f`, SIGXFSZ ignored, so write() fails with EFBIG as on a full disk).
API cases run tests/adversarial/driver.cpp, built in the fuzz preset (ASan + UBSan), so undefined
behaviour is seen.

  python3 tests/adversarial/run.py [--examples build/release/examples]
                                   [--driver build/fuzz/fuzz/adversarial_driver] [--only REGEX] [-v]

Prints one line per case (its issue-17 classification "before", today's "now") and the counts;
exits 1 if any case is not clean. Takes a few minutes (fashion_mnist and tiny_yolo train a little).
"""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = ["clean", "unclear", "crash", "UB", "hang", "silent wrong", "data loss"]


# --- safetensors, edited as a hostile user would (checksums kept right unless told) -------------

def read_st(path):
    data = Path(path).read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", None)
    body = data[8 + n:]
    tensors = {k: [v["dtype"], v["shape"], body[v["data_offsets"][0]:v["data_offsets"][1]]] for k, v in header.items()}
    return meta, tensors


def write_st(path, meta, tensors, checksums=True):
    header, blob = {}, b""
    meta = dict(meta or {})
    for name in list(meta):
        if name.startswith("xgrad.crc32."):
            del meta[name]
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
        if checksums:
            meta["xgrad.crc32." + name] = "%08x" % (zlib.crc32(raw) & 0xFFFFFFFF)
    text = json.dumps({"__metadata__": meta, **header}, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(text)) + text.encode() + blob)


FORMAT = {"F32": "f", "F64": "d", "I64": "q"}


def edit(path, **changes):
    """edit(path, key=callable(values list) -> values list | None to delete)."""
    meta, tensors = read_st(path)
    for key, fn in changes.items():
        key = key.replace("__", ".")
        dtype, shape, raw = tensors[key]
        n = len(raw) // struct.calcsize(FORMAT[dtype])
        values = list(struct.unpack("<%d%s" % (n, FORMAT[dtype]), raw))
        new = fn(values)
        if new is None:
            del tensors[key]
        else:
            tensors[key] = [dtype, shape, struct.pack("<%d%s" % (len(new), FORMAT[dtype]), *new)]
    write_st(path, meta, tensors)


def edit_raw(path, fn):
    meta, tensors = read_st(path)
    fn(tensors)
    write_st(path, meta, tensors)


def flip_data_bit(path, key):
    """Flips a bit inside `key`'s data and leaves the checksum as it was: a damaged disk."""
    data = bytearray(Path(path).read_bytes())
    n = struct.unpack("<Q", data[:8])[0]
    e = json.loads(data[8:8 + n])[key]
    data[8 + n + e["data_offsets"][0]] ^= 0x10
    Path(path).write_bytes(bytes(data))


def number(path, key):
    _, t = read_st(path)
    dtype, _, raw = t[key]
    return struct.unpack("<" + FORMAT[dtype], raw[:struct.calcsize(FORMAT[dtype])])[0]


# --- running and classifying --------------------------------------------------------------------

class Ctx:
    def __init__(self, examples, driver, work, verbose):
        self.examples, self.driver, self.work, self.verbose = examples, driver, work, verbose
        self.finished = {}  # cached finished runs, copied for each case

    def bin(self, name):
        return str(self.examples / name)

    def run(self, cmd, timeout=300, fsize_kib=None, cwd=None):
        def limit():
            if fsize_kib is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_kib * 1024, fsize_kib * 1024))
        start = time.time()
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout,
                               preexec_fn=limit, cwd=cwd)
            r = Result(p.returncode, p.stdout, p.stderr, time.time() - start)
        except subprocess.TimeoutExpired as e:
            r = Result(None, (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or ""),
                       (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or ""),
                       time.time() - start)
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        r.cpu = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
        if self.verbose:
            print("   $", " ".join(map(str, cmd)), "->", r.rc, "in %.1f s (%.1f s of CPU)" % (r.seconds, r.cpu))
            print("     ", (r.out + r.err).strip().replace("\n", "\n      ")[-800:])
        return r

    def fresh(self, name, program, *args):
        """A finished run of `program args` in a new folder (made once, copied per case)."""
        if name not in self.finished:
            d = self.work / ("base_" + name)
            r = self.run([self.bin(program), "--out", str(d), *args])
            if r.rc != 0:
                raise SystemExit(f"run.py: setting up {name} failed ({r.rc}): {r.err[-500:]}")
            self.finished[name] = d
        d = self.work / (name + "_%d" % len(list(self.work.iterdir())))
        shutil.copytree(self.finished[name], d)
        return d


class Result:
    def __init__(self, rc, out, err, seconds):
        self.rc, self.out, self.err, self.seconds, self.cpu = rc, out, err, seconds, 0.0

    @property
    def text(self):
        return self.out + self.err


def fault(r):
    """The category of a run that went wrong by itself, or None."""
    if r.rc is None:
        return "hang"
    if "runtime error:" in r.text or "UndefinedBehaviorSanitizer" in r.text:
        return "UB"
    if r.rc < 0 or r.rc >= 128 or "AddressSanitizer" in r.text or "terminate called" in r.text:
        return "crash"
    return None


def refused(r, clear=None, vague=()):
    """The program must refuse (non-zero exit, no crash); `clear` must be in its message, and none
    of `vague` (texts of an unclear error)."""
    f = fault(r)
    if f:
        return f, r.text.strip().splitlines()[-1:] if r.text.strip() else ""
    if r.rc == 0:
        return "silent wrong", "exit 0: " + last_line(r)
    if any(v in r.text for v in vague) or (clear and clear not in r.text):
        return "unclear", last_line(r)
    return "clean", last_line(r)


def accepted(r, must=None, wrong_if=()):
    """The program must succeed; `must` in its output, none of `wrong_if`."""
    f = fault(r)
    if f:
        return f, last_line(r)
    if r.rc != 0:
        return "silent wrong" if must is None else "unclear", f"exit {r.rc}: " + last_line(r)
    if (must and must not in r.text) or any(w in r.text for w in wrong_if):
        return "silent wrong", last_line(r)
    return "clean", last_line(r)


def last_line(r):
    lines = [l for l in r.text.strip().splitlines() if l.strip()]
    errs = [l for l in lines if "error" in l.lower() or ": " in l]
    return (errs or lines or [""])[-1][:200]


CASES = []


def case(name, before, group):
    def wrap(fn):
        CASES.append((name, before, group, fn))
        return fn
    return wrap


FM_SMALL = ["--train-limit", "1000", "--test-limit", "200", "--batch-size", "100"]
YOLO_SMALL = ["--train-images", "32", "--val-images", "8", "--show", "2", "--batch-size", "16"]

# --- crashes of the issue -----------------------------------------------------------------------

for big, label in [(1 << 40, "2^40"), (1 << 62, "2^62")]:
    @case(f"linear_regression: progress.global_step = {label}, --resume", "crash", "program")
    def _(c, big=big):
        d = c.fresh("lr50", "linear_regression", "--steps", "50")
        edit(d / "checkpoint.safetensors", progress__global_step=lambda v: [big])
        return refused(c.run([c.bin("linear_regression"), "--out", str(d), "--resume", "--steps", "100"]),
                       "progress.global_step")

for big, label in [(1 << 33, "2^33"), (1 << 40, "2^40"), (1 << 62, "2^62")]:
    @case(f"fashion_mnist: progress.epochs_done = {label}, --resume", "crash", "program")
    def _(c, big=big):
        d = c.fresh("fm1", "fashion_mnist", *FM_SMALL, "--epochs", "1")
        edit(d / "checkpoint.safetensors", progress__epochs_done=lambda v: [big])
        return refused(c.run([c.bin("fashion_mnist"), "--out", str(d), "--resume", *FM_SMALL, "--epochs", "2"]),
                       "epochs_done")

for program, extra, before in [("linear_regression", ["--steps", "5"], "crash"),
                               ("fashion_mnist", FM_SMALL + ["--epochs", "1"], "crash"),
                               ("descent_paths", [], "crash"),
                               ("tiny_yolo", YOLO_SMALL + ["--epochs", "1"], "clean")]:
    for sub in ["", "/sub"]:
        @case(f"{program}: --out names a file{sub and ' + /sub'}", before, "program")
        def _(c, program=program, extra=extra, sub=sub):
            f = c.work / f"a_file_{program}"
            f.write_text("x")
            return refused(c.run([c.bin(program), "--out", str(f) + sub, *extra]), str(f))


@case("fashion_mnist: --model mlp --hidden 2000000000", "crash", "program")
def _(c):
    return refused(c.run([c.bin("fashion_mnist"), "--out", str(c.work / "fm_hidden"), "--model", "mlp", "--hidden",
                          "2000000000", *FM_SMALL, "--epochs", "1"]), "2000000000")


@case("tiny_yolo: metrics.csv deleted, --resume", "crash", "program")
def _(c):
    d = c.fresh("yolo1", "tiny_yolo", *YOLO_SMALL, "--epochs", "1")
    (d / "metrics.csv").unlink()
    return accepted(c.run([c.bin("tiny_yolo"), "--out", str(d), *YOLO_SMALL, "--epochs", "1", "--resume"]))


# --- undefined behaviour ------------------------------------------------------------------------

@case("tiny_yolo: --epochs 9223372036854775807", "UB", "program")
def _(c):
    return refused(c.run([c.bin("tiny_yolo"), "--out", str(c.work / "yolo_epochs"), *YOLO_SMALL, "--epochs",
                          "9223372036854775807"]), "--epochs", vague=["total_steps must be > 0"])


@case("linear_regression --resume: an entry of shape [0, 2^32, 2^32, 2^32]", "UB", "program")
def _(c):
    d = c.fresh("lr50", "linear_regression", "--steps", "50")
    edit_raw(d / "checkpoint.safetensors", lambda t: t.__setitem__("junk", ["F32", [0, 1 << 32, 1 << 32, 1 << 32], b""]))
    return refused(c.run([c.bin("linear_regression"), "--out", str(d), "--resume", "--steps", "100"]), "junk")


# --- silent wrong results: resume with changed flags ----------------------------------------------

for flag in [["--seed", "5"], ["--n", "300"], ["--noise", "3"], ["--no-standardize"], ["--optimizer", "momentum"]]:
    @case(f"linear_regression --resume {' '.join(flag)} (another run)", "silent wrong", "program")
    def _(c, flag=flag):
        d = c.fresh("lr50", "linear_regression", "--steps", "50")
        return refused(c.run([c.bin("linear_regression"), "--out", str(d), "--resume", "--steps", "60", *flag]),
                       flag[0])

for lr in ["0.5", "0.01"]:
    @case(f"linear_regression --resume --lr {lr} (an override)", "silent wrong", "program")
    def _(c, lr=lr):
        d = c.fresh("lr50", "linear_regression", "--steps", "50")
        r = c.run([c.bin("linear_regression"), "--out", str(d), "--resume", "--steps", "60", "--lr", lr])
        out = accepted(r, f"--lr {lr} overrides")
        if out[0] == "clean" and number(d / "checkpoint.safetensors", "optimizer.param_groups.0.lr") != float(lr):
            return "silent wrong", "the checkpoint's lr is not the override's"
        return out


@case("fashion_mnist --resume --model ovr on a softmax checkpoint", "silent wrong", "program")
def _(c):
    d = c.fresh("fm1", "fashion_mnist", *FM_SMALL, "--epochs", "1")
    return refused(c.run([c.bin("fashion_mnist"), "--out", str(d), "--resume", *FM_SMALL, "--epochs", "2", "--model",
                          "ovr"]), "--model")


for flag, value in [("--lr", "0.05"), ("--momentum", "0.5")]:
    @case(f"fashion_mnist --resume {flag} {value} (an override)", "silent wrong", "program")
    def _(c, flag=flag, value=value):
        d = c.fresh("fm1", "fashion_mnist", *FM_SMALL, "--epochs", "1")
        return accepted(c.run([c.bin("fashion_mnist"), "--out", str(d), "--resume", *FM_SMALL, "--epochs", "2", flag,
                               value]), f"{flag} {value} overrides")


@case("linear_regression diverged at lr 1e38, resumed with --lr 0.01", "silent wrong", "program")
def _(c):
    d = c.work / "lr_diverged"
    c.run([c.bin("linear_regression"), "--out", str(d), "--lr", "1e38", "--steps", "50", "--checkpoint-every", "1"])
    return accepted(c.run([c.bin("linear_regression"), "--out", str(d), "--resume", "--lr", "0.01", "--steps", "300"]),
                    wrong_if=["now 0.01", "DIVERGED"])


# --- silent wrong results: impossible checkpoint content ---------------------------------------

def lr_resume(c, d, *extra):
    return c.run([c.bin("linear_regression"), "--out", str(d), "--resume", "--steps", "60", *extra])


def fm_resume(c, d, *extra, epochs="2"):
    return c.run([c.bin("fashion_mnist"), "--out", str(d), "--resume", *FM_SMALL, "--epochs", epochs, *extra])


@case("linear_regression --resume: a NaN in history.loss", "silent wrong", "program")
def _(c):
    d = c.fresh("lr50", "linear_regression", "--steps", "50")
    edit(d / "checkpoint.safetensors", history__loss=lambda v: v[:3] + [float("nan")] + v[4:])
    return refused(lr_resume(c, d), "history.loss")


@case("linear_regression --resume: a negative exp_avg_sq (adam)", "silent wrong", "program")
def _(c):
    d = c.fresh("lr_adam", "linear_regression", "--steps", "20", "--optimizer", "adam", "--lr", "0.05")
    edit(d / "checkpoint.safetensors", optimizer__state__0__exp_avg_sq=lambda v: [-1.0] * len(v))
    return refused(lr_resume(c, d, "--optimizer", "adam"), "exp_avg_sq")


@case("linear_regression --resume: an all-zero RNG state", "silent wrong", "program")
def _(c):
    d = c.fresh("lr50", "linear_regression", "--steps", "50")
    edit(d / "checkpoint.safetensors", rng=lambda v: [0] * len(v))
    return refused(lr_resume(c, d), "rng")


@case("linear_regression --resume: an RNG state zero but for its position word", "silent wrong", "program")
def _(c):
    d = c.fresh("lr50", "linear_regression", "--steps", "50")
    edit(d / "checkpoint.safetensors", rng=lambda v: [0] * (len(v) - 1) + [5])
    return refused(lr_resume(c, d), "rng")


@case("linear_regression --resume: a flipped bit in the weights' data", "silent wrong", "program")
def _(c):
    d = c.fresh("lr50", "linear_regression", "--steps", "50")
    flip_data_bit(d / "checkpoint.safetensors", "model.linear.weight")
    return refused(lr_resume(c, d), "model.linear.weight")


@case("linear_regression --resume: the weight resized (unclear error before)", "unclear", "program")
def _(c):
    d = c.fresh("lr50", "linear_regression", "--steps", "50")
    edit_raw(d / "checkpoint.safetensors",
             lambda t: t.__setitem__("model.linear.weight", ["F64", [1, 2], t["model.linear.weight"][2][:16]]))
    return refused(lr_resume(c, d), "linear.weight", vague=["broadcast_error", "DEBUG"])


@case("fashion_mnist --resume: NaN scheduler base rate (cosine)", "silent wrong", "program")
def _(c):
    d = c.fresh("fm_cos", "fashion_mnist", *FM_SMALL, "--epochs", "1", "--schedule", "cosine")
    edit(d / "checkpoint.safetensors", scheduler__base_lrs=lambda v: [float("nan")] * len(v))
    return refused(c.run([c.bin("fashion_mnist"), "--out", str(d), "--resume", *FM_SMALL, "--epochs", "1",
                          "--schedule", "cosine"]), "base_lrs")


@case("fashion_mnist --resume: history.test_accuracy = 5.0", "silent wrong", "program")
def _(c):
    d = c.fresh("fm1", "fashion_mnist", *FM_SMALL, "--epochs", "1")
    edit(d / "checkpoint.safetensors", history__test_accuracy=lambda v: [5.0] * len(v))
    return refused(fm_resume(c, d), "test_accuracy")


@case("fashion_mnist --resume: step 7 of an epoch of 10 batches marked between epochs", "silent wrong", "program")
def _(c):
    d = c.fresh("fm1", "fashion_mnist", *FM_SMALL, "--epochs", "1")
    edit(d / "checkpoint.safetensors", progress__step_in_epoch=lambda v: [7])
    return refused(fm_resume(c, d), "inconsistent progress")


@case("fashion_mnist --resume: step_in_epoch 70 of 10 batches (mid-epoch)", "silent wrong", "program")
def _(c):
    d = c.fresh("fm_mid", "fashion_mnist", *FM_SMALL, "--epochs", "2", "--checkpoint-every", "5")
    # The last checkpoint is at the end; make one mid-epoch by hand: in_epoch 1 at step 70.
    edit(d / "checkpoint.safetensors", progress__in_epoch=lambda v: [1], progress__step_in_epoch=lambda v: [70])
    return refused(fm_resume(c, d, epochs="3"), "inconsistent progress")


for how in ["duplicates", "all zeros"]:
    @case(f"tiny_yolo --resume: an order with {how}", "silent wrong", "program")
    def _(c, how=how):
        d = c.fresh("yolo1", "tiny_yolo", *YOLO_SMALL, "--epochs", "1")
        fn = (lambda v: [v[0]] + v[:-1]) if how == "duplicates" else (lambda v: [0] * len(v))
        edit(d / "checkpoint.safetensors", progress__order=fn)
        return refused(c.run([c.bin("tiny_yolo"), "--out", str(d), *YOLO_SMALL, "--epochs", "1", "--resume"]),
                       "order", vague=["ShapesDataset::images"])


@case("tiny_yolo --resume: a corrupt metrics.csv (unclear error before)", "unclear", "program")
def _(c):
    d = c.fresh("yolo1", "tiny_yolo", *YOLO_SMALL, "--epochs", "1")
    (d / "metrics.csv").write_text("epoch,x\n1,abc\n")
    return refused(c.run([c.bin("tiny_yolo"), "--out", str(d), *YOLO_SMALL, "--epochs", "1", "--resume"]),
                   "metrics.csv line 2", vague=["stod"])


# --- readers through the programs --------------------------------------------------------------

@case("linear_regression --csv: values near 1e200 (variance overflows)", "silent wrong", "program")
def _(c):
    f = c.work / "big.csv"
    f.write_text("a,b,y\n" + "".join(f"{(i % 7) * 1e200},{i % 3},{i}\n" for i in range(40)))
    r = c.run([c.bin("linear_regression"), "--out", str(c.work / "lr_big"), "--csv", str(f), "--target", "y",
               "--steps", "20"])
    return refused(r, "a")


@case("linear_regression --csv: a UTF-8 BOM before the header", "silent wrong", "program")
def _(c):
    f = c.work / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbfx,y\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(30)).encode())
    r = c.run([c.bin("linear_regression"), "--out", str(c.work / "lr_bom"), "--csv", str(f), "--target", "y",
               "--steps", "5"])
    return accepted(r, "30 points")


def idx(dims, fill=7):
    n = 1
    for d in dims:
        n *= d
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes([fill]) * n


for dims, label in [([50, 10, 10], "10x10"), ([50, 1, 784], "1x784")]:
    @case(f"fashion_mnist: IDX images of {label}", "silent wrong", "program")
    def _(c, dims=dims):
        d = c.work / ("idx_" + "x".join(map(str, dims)))
        d.mkdir()
        for split in ["train", "t10k"]:
            (d / f"{split}-images-idx3-ubyte").write_bytes(idx(dims))
            (d / f"{split}-labels-idx1-ubyte").write_bytes(idx([dims[0]], 1))
        return refused(c.run([c.bin("fashion_mnist"), "--out", str(c.work / "fm_idx"), "--data-dir", str(d),
                              "--epochs", "1", "--batch-size", "10"]), "28", vague=["Linear"])


# --- data loss ----------------------------------------------------------------------------------

@case("tiny_yolo: metrics.csv on a full disk, then resumed with space", "data loss", "program")
def _(c):
    d = c.work / "yolo_full"
    r = c.run([c.bin("tiny_yolo"), "--out", str(d), *YOLO_SMALL, "--epochs", "2"], fsize_kib=1)
    if fault(r):
        return fault(r), last_line(r)
    if r.rc == 0:
        return "data loss", "exit 0 with every write over 1 KiB failing"
    # Space again: the resumed run must end with a row for each epoch.
    r = c.run([c.bin("tiny_yolo"), "--out", str(d), *YOLO_SMALL, "--epochs", "2", "--resume"])
    if fault(r) or r.rc != 0:
        return fault(r) or "unclear", last_line(r)
    rows = [l for l in (d / "metrics.csv").read_text().splitlines()[1:] if l.strip()]
    if len(rows) != 2:
        return "data loss", f"metrics.csv holds {len(rows)} rows after 2 epochs"
    return "clean", "the full disk was reported; resumed, metrics.csv holds both epochs"


for program, png, extra in [("fashion_mnist", "confusion.png", FM_SMALL + ["--epochs", "1"]),
                            ("linear_regression", "fit.png", ["--steps", "5"])]:
    @case(f"{program}: {png} on a full disk", "data loss", "program")
    def _(c, program=program, png=png, extra=extra):
        d = c.work / f"full_{program}"
        r0 = c.run([c.bin(program), "--out", str(d), *extra])
        old = (d / png).read_bytes() if r0.rc == 0 and (d / png).exists() else None
        # Small enough that the PNG cannot be written, large enough for the CSV and checkpoint of
        # such a short run to be.
        r = c.run([c.bin(program), "--out", str(d), *extra], fsize_kib=24)
        if fault(r):
            return fault(r), last_line(r)
        now = (d / png).read_bytes() if (d / png).exists() else None
        if r.rc == 0:
            if old is not None and now != old and (now is None or len(now) < len(old) // 2):
                return "data loss", f"exit 0 but {png} is {0 if now is None else len(now)} bytes"
            return "clean", f"exit 0: every file fit ({png} {len(now or b'')} bytes)"
        if old is not None and now != old:
            return "data loss", f"{png} changed though its write failed"
        return "clean", last_line(r)


@case("linear_regression: stale temporaries of a killed run", "data loss", "program")
def _(c):
    d = c.fresh("lr50", "linear_regression", "--steps", "50")
    p = subprocess.Popen(["true"])
    p.wait()
    stale = d / f"checkpoint.safetensors.tmp.{p.pid}.0"
    stale.write_bytes(b"x" * 1000)
    r = c.run([c.bin("linear_regression"), "--out", str(d), "--steps", "5"])
    if fault(r):
        return fault(r), last_line(r)
    return ("clean", last_line(r)) if not stale.exists() else ("data loss", "the orphan is still there")


# --- the API cases, through the driver (ASan + UBSan) -----------------------------------------

API = {
    "ragged_3d_overflow": "crash",
    "ragged_2d_short_first": "silent wrong",
    "ragged_2d_short_last": "silent wrong",
    "zeros_2^62x4": "UB",
    "randint_full_int64_range": "UB",
    "arange_0_1e30": "silent wrong",
    "arange_step_1e-300": "silent wrong",
    "safetensors_shape_2^96_zero_size": "UB",
    "safetensors_1M_zero_size_entries": "hang",
    "onecycle_epochs_int64_max": "UB",
    "steplr_gamma_-1": "silent wrong",
    "steplr_gamma_nan": "silent wrong",
    "exponentiallr_to_inf": "silent wrong",
    "onecycle_max_lr_inf": "silent wrong",
    "sgd_lr_inf": "silent wrong",
    "adam_eps_0": "silent wrong",
    "inplace_edit_of_saved_input": "silent wrong",
    "inplace_edit_of_exp_output": "silent wrong",
    "backward_from_second_thread": "silent wrong",
    "anomaly_guard_across_threads": "silent wrong",
    "two_trainings_in_two_threads": "silent wrong",
    "rng_state_zero_but_its_position_word": "silent wrong",
    "adam_step_count_2^63-2_from_a_checkpoint": "UB",
    "csv_utf8_bom": "silent wrong",
    "csv_value_1e400": "silent wrong",
    "csv_plus_minus_2": "silent wrong",
    "idx_images_10x10": "silent wrong",
    "idx_images_1x784": "silent wrong",
}

for name, before in API.items():
    @case(f"api: {name}", before, "api")
    def _(c, name=name):
        # A loaded machine stretches wall time; CPU time says whether the case itself is slow.
        r = c.run([str(c.driver), name], timeout=900 if "1M" in name else 120)
        f = fault(r)
        if f:
            return f, last_line(r) + f" ({r.seconds:.0f} s, {r.cpu:.0f} s of CPU)"
        if r.rc == 0 and r.out.startswith("clean: "):
            return "clean", r.out.strip()[7:][:200] + (f" in {r.cpu:.1f} s of CPU (ASan)" if "1M" in name else "")
        if r.rc == 3:
            return "silent wrong", r.out.strip()[7:][:200]
        return "crash", f"exit {r.rc}: " + last_line(r)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=Path, default=ROOT / "build/release/examples")
    ap.add_argument("--driver", type=Path, default=ROOT / "build/fuzz/fuzz/adversarial_driver")
    ap.add_argument("--only", default="")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    a = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=0")  # leaks are not this pass's subject
    work = Path(tempfile.mkdtemp(prefix="xgrad_adversarial_"))
    c = Ctx(a.examples, a.driver, work, a.verbose)
    before, now = Counter(), Counter()
    rows = []
    for name, was, group, fn in CASES:
        if a.only and not re.search(a.only, name):
            continue
        if group == "api" and not a.driver.exists():
            got, why = "not run", f"no driver at {a.driver}"
        elif group == "program" and not a.examples.exists():
            got, why = "not run", f"no examples at {a.examples}"
        else:
            got, why = fn(c)
        before[was] += 1
        now[got] += 1
        rows.append((name, was, got, why))
        print(f"{got:>12}  (before: {was:<12}) {name}: {why}", flush=True)
    print()
    print(f"{len(rows)} cases. " + "; ".join(f"{k}: before {before[k]}, now {now[k]}" for k in CATEGORIES + ["not run"]
                                               if before[k] or now[k]))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("work folder:", work)
    return 0 if all(r[2] == "clean" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
