#!/usr/bin/python3
"""The PyTorch side of bench/compare: issue 8's workloads, timed exactly as bench/compare_xgrad.cpp
times them in xgrad, printed as one JSON line per measurement.

    /usr/bin/python3 bench/compare_torch.py [--workloads W1,W2,...] [--threads N] [--repetitions R] [--seconds S]
    /usr/bin/python3 bench/compare_torch.py --memory      W8: trains W3 for 200 steps, prints the peak RSS

Timing: a warm-up of about S seconds, then R runs of about S seconds each (at least one step); each
run gives its mean time per step. torch.set_num_threads(N) sets PyTorch's pool; bench/compare also
sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS to N, since Debian's PyTorch calls the system
OpenBLAS, which would otherwise start one thread per core of its own. The workloads are described
in compare_xgrad.cpp; zero_grad(set_to_none=True) everywhere, as xgrad's zero_grad does.
"""
import argparse
import gzip
import json
import os
import resource
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from yolo_loss_torch import SCALES, vectorized_loss  # noqa: E402

torch.set_default_dtype(torch.float32)  # the fixture script behind yolo_loss_torch sets float64 on import

THREADS = 1
BATCH, ANCHORS, GRID, CLASSES = 16, 3, 8, 3


def fashion_dir():
    return os.environ.get("XGRAD_FASHION_MNIST_DIR") or "/usr/share/datasets/fashion-mnist"


def measure(step, repetitions, seconds):
    """Per-run mean times in seconds per step, after one run of warm-up."""
    def run():
        count, start = 0, time.perf_counter()
        while True:
            step()
            count += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                return elapsed / count
    run()
    return [run() for _ in range(repetitions)]


def report(workload, unit, seconds, scale, **extra):
    runs = [t * scale for t in seconds]
    line = {"framework": "torch", "workload": workload, "threads": THREADS, "unit": unit,
            "median": statistics.median(runs), "min": min(runs), "runs": runs}
    line.update(extra)
    print(json.dumps(line), flush=True)


def linear_regression(reps, secs):
    torch.manual_seed(0)
    x = torch.randn(1024, 16)
    y = x @ torch.randn(16, 1) + 0.5 + torch.randn(1024, 1) * 0.1
    model = torch.nn.Linear(16, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step():
        opt.zero_grad(set_to_none=True)
        F.mse_loss(model(x), y).backward()
        opt.step()
    report("W1", "ms/step", measure(step, reps, secs), 1e3)


def read_idx(path, count=None):
    """An IDX file of bytes as a numpy array; with count, only the first count entries are read."""
    with gzip.open(path, "rb") as f:
        zero, dtype, ndim = struct.unpack(">HBB", f.read(4))
        assert zero == 0 and dtype == 0x08, path
        dims = list(struct.unpack(">" + "I" * ndim, f.read(4 * ndim)))
        if count is not None:
            dims[0] = count
        data = f.read(int(np.prod(dims)))
    return np.frombuffer(data, np.uint8).reshape(dims)


def load_train():
    """As xg::data::load_fashion_mnist: float32 (60000, 784) in [0, 1], int64 labels."""
    images = read_idx(os.path.join(fashion_dir(), "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(fashion_dir(), "train-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / np.float32(255))
    return x, torch.from_numpy(labels.astype(np.int64))


class Batches:
    """As xg::data::Batches: a new permutation each epoch, each batch's rows copied out."""

    def __init__(self, x, y, size):
        self.x, self.y, self.size = x, y, size
        self.order, self.position = None, 0

    def start_epoch(self):
        self.order, self.position = torch.randperm(len(self.x)), 0

    def has_next(self):
        return self.order is not None and self.position * self.size < len(self.x)

    def next(self):
        rows = self.order[self.position * self.size:(self.position + 1) * self.size]
        self.position += 1
        return self.x[rows], self.y[rows]


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))


def train_step(model, opt, batch):
    x, y = batch
    opt.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    opt.step()


def time_steps(workload, model, opt, batches, reps, secs):
    """As compare_xgrad's: steps cycle through 16 batches drawn before the timing."""
    batches.start_epoch()
    drawn = [batches.next() for _ in range(16)]
    count = [0]

    def step():
        train_step(model, opt, drawn[count[0] % len(drawn)])
        count[0] += 1
    report(workload, "ms/step", measure(step, reps, secs), 1e3)


def fashion_mnist(reps, secs, softmax, multilayer):
    x, y = load_train()
    torch.manual_seed(0)
    if softmax:
        model = torch.nn.Linear(784, 10)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        batches = Batches(x, y, 128)
        time_steps("W2", model, opt, batches, reps, secs)

        def epoch():
            batches.start_epoch()
            while batches.has_next():
                train_step(model, opt, batches.next())
        report("W2-epoch", "ms/epoch", measure(epoch, reps, 0), 1e3)
    if multilayer:
        model = mlp()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        batches = Batches(x, y, 128)
        time_steps("W3", model, opt, batches, reps, secs)


def yolo_targets():
    rows = []
    for i in range(BATCH):
        f = i / BATCH
        rows.append([i, i % CLASSES, 0.1 + 0.8 * f, 0.3 + 0.4 * f, 0.1 + 0.2 * f, 0.15 + 0.1 * f])
        rows.append([i, (i + 1) % CLASSES, 0.9 - 0.7 * f, 0.6, 0.3, 0.2 + 0.3 * f])
    return torch.tensor(rows, dtype=torch.float32)


def tiny_yolo(reps, secs):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, 2, 1), torch.nn.SiLU(), torch.nn.Conv2d(16, 32, 3, 2, 1), torch.nn.SiLU(),
        torch.nn.Conv2d(32, 64, 3, 2, 1), torch.nn.SiLU(), torch.nn.Conv2d(64, ANCHORS * (5 + CLASSES), 1))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    images, targets = torch.randn(BATCH, 3, 64, 64), yolo_targets()

    def step():
        opt.zero_grad(set_to_none=True)
        p = net(images).view(BATCH, ANCHORS, 5 + CLASSES, GRID, GRID).permute(0, 1, 3, 4, 2)
        vectorized_loss([p], targets, SCALES, CLASSES)[0].backward()
        opt.step()
    report("W4", "ms/step", measure(step, reps, secs), 1e3)


def yolo_loss_alone(reps, secs):
    torch.manual_seed(0)
    p = (torch.randn(BATCH, ANCHORS, GRID, GRID, 5 + CLASSES) * 0.5).requires_grad_()
    targets = yolo_targets()

    def step():
        p.grad = None
        vectorized_loss([p], targets, SCALES, CLASSES)[0].backward()
    report("W5", "ms", measure(step, reps, secs), 1e3)


def small_ops(reps, secs):
    torch.manual_seed(0)
    x0 = torch.randn(4, 4).requires_grad_()

    def step():
        x0.grad = None
        x = x0
        for _ in range(500):
            x = torch.tanh(x * 1.0001 + 0.001)
        x.sum().backward()
    report("W6", "us/op", measure(step, reps, secs), 1e6 / 1500)


def gemm(reps, secs):
    n = 1024
    flop = 3 * 2.0 * n ** 3
    torch.manual_seed(0)
    a, b = torch.randn(n, n).requires_grad_(), torch.randn(n, n).requires_grad_()
    dc = torch.randn(n, n)

    def step():
        a.grad = b.grad = None
        (a @ b).backward(dc)
    t = measure(step, reps, secs)
    report("W7", "ms", t, 1e3, gflops=flop / statistics.median(t) / 1e9)


def memory():
    steps, size = 200, 128
    count = steps * size
    images = torch.from_numpy(read_idx(os.path.join(fashion_dir(), "train-images-idx3-ubyte.gz"), count).copy())
    labels = torch.from_numpy(read_idx(os.path.join(fashion_dir(), "train-labels-idx1-ubyte.gz"), count).copy())
    images = images.reshape(count, 784)
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(count)
    for step in range(steps):
        rows = order[step * size:(step + 1) * size]
        x = images[rows].float() / 255.0
        y = labels[rows].long()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"framework": "torch", "workload": "W8", "threads": THREADS, "unit": "MiB", "median": peak,
                      "min": peak, "runs": [peak], "last_loss": loss.item()}), flush=True)


def main():
    global THREADS
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workloads", default="W1,W2,W3,W4,W5,W6,W7")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repetitions", type=int, default=7)
    p.add_argument("--seconds", type=float, default=0.3)
    p.add_argument("--memory", action="store_true")
    args = p.parse_args()
    THREADS = args.threads
    torch.set_num_threads(args.threads)
    if args.memory:
        return memory()
    w = set(args.workloads.split(","))
    unknown = w - {"W1", "W2", "W3", "W4", "W5", "W6", "W7"}
    if unknown:
        sys.exit(f"compare_torch.py: unknown workloads {sorted(unknown)}; choose among W1 to W7 (W8 is --memory)")
    r, s = args.repetitions, args.seconds
    if "W1" in w:
        linear_regression(r, s)
    if "W2" in w or "W3" in w:
        fashion_mnist(r, s, "W2" in w, "W3" in w)
    if "W4" in w:
        tiny_yolo(r, s)
    if "W5" in w:
        yolo_loss_alone(r, s)
    if "W6" in w:
        small_ops(r, s)
    if "W7" in w:
        gemm(r, s)


if __name__ == "__main__":
    main()
