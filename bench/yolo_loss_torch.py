#!/usr/bin/python3
"""The PyTorch side of bench/bench_yolo_loss.cpp: the YOLO loss forward + backward.

    /usr/bin/python3 bench/yolo_loss_torch.py [--threads N] [--repetitions R] [--seconds S] [--float64]

Batch 16, 3 anchors, an 8x8 grid, 3 classes, 2 targets per image (the same targets as the C++
benchmark), through vectorized_loss, checked equal to reference_loss of tests/fixtures/losses/make_yolo_fixtures.py (this project's
re-implementation of eriklindernoren/PyTorch-YOLOv3 master's compute_loss), then backward to the
predictions. Like Google Benchmark's repetitions: R runs of about S seconds, each giving its mean
time per iteration. Prints "torch threads=N min_us=<best run> median_us=<median run>".
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "losses"))
from make_yolo_fixtures import ciou, reference_loss  # noqa: E402

BATCH, ANCHORS, GRID, CLASSES = 16, 3, 8, 3
SCALES = [{"anchors": [[10, 13], [16, 30], [33, 23]], "stride": 8}]


def vectorized_loss(predictions, targets, scales, num_classes):
    """reference_loss with the assignment in tensor ops instead of Python loops, as the reference
    itself does it (a Python loop over 96 anchor-target pairs would make PyTorch look slower than it
    is). main() checks that it equals reference_loss before timing."""
    lbox = lobj = lcls = torch.zeros(())
    for p, scale in zip(predictions, scales):
        _, na, gy, gx, _ = p.shape
        anchors = torch.tensor(scale["anchors"], dtype=p.dtype) / scale["stride"]
        xywh = targets[:, 2:6] * torch.tensor([gx, gy, gx, gy], dtype=p.dtype)
        r = xywh[None, :, 2:4] / anchors[:, None]                    # (anchors, targets, 2)
        keep = torch.max(r, 1 / r).max(2)[0] < 4                      # anchor-major mask
        a, k = keep.nonzero(as_tuple=True)
        tobj = torch.zeros(p.shape[:4], dtype=p.dtype)
        if a.numel():
            t = xywh[k]
            cell = t[:, :2].long()
            cell[:, 0].clamp_(0, gx - 1)
            cell[:, 1].clamp_(0, gy - 1)
            b, c = targets[k, 0].long(), targets[k, 1].long()
            ps = p[b, a, cell[:, 1], cell[:, 0]]
            off = t[:, :2] - cell
            pwh = torch.exp(ps[:, 2:4]) * anchors[a]
            pxy = ps[:, :2].sigmoid()
            iou = ciou(pxy[:, 0], pxy[:, 1], pwh[:, 0], pwh[:, 1], off[:, 0], off[:, 1], t[:, 2], t[:, 3])
            lbox = lbox + (1.0 - iou).mean()
            tobj[b, a, cell[:, 1], cell[:, 0]] = iou.detach().clamp(0)
            if num_classes > 1:
                onehot = torch.zeros(len(a), num_classes, dtype=p.dtype)
                onehot[torch.arange(len(a)), c] = 1.0
                lcls = lcls + torch.nn.functional.binary_cross_entropy_with_logits(ps[:, 5:], onehot)
        lobj = lobj + torch.nn.functional.binary_cross_entropy_with_logits(p[..., 4], tobj)
    lbox, lobj, lcls = lbox * 0.05, lobj * 1.0, lcls * 0.5
    return lbox + lobj + lcls, lbox, lobj, lcls


def bench_targets(dtype):
    rows = []
    for i in range(BATCH):
        f = i / BATCH
        rows.append([i, i % CLASSES, 0.1 + 0.8 * f, 0.3 + 0.4 * f, 0.1 + 0.2 * f, 0.15 + 0.1 * f])
        rows.append([i, (i + 1) % CLASSES, 0.9 - 0.7 * f, 0.6, 0.3, 0.2 + 0.3 * f])
    return torch.tensor(rows, dtype=dtype)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repetitions", type=int, default=5)
    p.add_argument("--seconds", type=float, default=0.5)
    p.add_argument("--float64", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    dtype = torch.float64 if args.float64 else torch.float32
    torch.set_default_dtype(dtype)  # the script's constants (zeros, one-hot) follow the predictions
    torch.manual_seed(0)
    pred = (torch.randn(BATCH, ANCHORS, GRID, GRID, 5 + CLASSES) * 0.5).requires_grad_()
    targets = bench_targets(dtype)

    check = [x.item() for x in reference_loss([pred], targets, SCALES, CLASSES)]
    got = [x.item() for x in vectorized_loss([pred], targets, SCALES, CLASSES)]
    assert all(abs(u - v) <= 1e-5 * abs(v) for u, v in zip(got, check)), (got, check)

    def step():
        pred.grad = None
        vectorized_loss([pred], targets, SCALES, CLASSES)[0].backward()

    for _ in range(20):
        step()
    runs = []
    for _ in range(args.repetitions):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            step()
            count += 1
        runs.append((time.perf_counter() - start) / count)
    print(f"torch threads={args.threads} dtype={dtype} min_us={min(runs) * 1e6:.1f} "
          f"median_us={statistics.median(runs) * 1e6:.1f}")


if __name__ == "__main__":
    main()
