#!/usr/bin/python3
"""The PyTorch side of bench/bench_conv.cpp: the tiny-YOLO conv stack, forward + backward.

    /usr/bin/python3 bench/conv_torch.py [--threads N] [--repetitions R] [--seconds S]

A batch of 16 3x64x64 images through 3x3 convs 3->16->32->64 (stride 2, padding 1) and a 1x1
head to 24 channels; backward from a fixed upstream gradient to every weight and bias, not to
the images. Like Google Benchmark's repetitions: R runs of about S seconds each, each giving its
mean time per iteration. Prints "torch threads=N min_ms=<best run> median_ms=<median run>
cpu_ms=<best run's process CPU time>"; with one thread the CPU time is what a busy machine
disturbs least.
"""
import argparse
import statistics
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repetitions", type=int, default=8)
    p.add_argument("--seconds", type=float, default=0.3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, 2, 1), torch.nn.Conv2d(16, 32, 3, 2, 1),
        torch.nn.Conv2d(32, 64, 3, 2, 1), torch.nn.Conv2d(64, 24, 1))
    x = torch.randn(16, 3, 64, 64)
    dy = torch.randn(16, 24, 8, 8)

    def step():
        net.zero_grad(set_to_none=True)
        net(x).backward(dy)

    for _ in range(10):
        step()
    runs, cpu = [], []
    for _ in range(args.repetitions):
        count, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - start < args.seconds:
            step()
            count += 1
        runs.append((time.perf_counter() - start) / count)
        cpu.append((time.process_time() - cpu_start) / count)
    print(f"torch threads={args.threads} min_ms={min(runs) * 1e3:.4f} median_ms={statistics.median(runs) * 1e3:.4f} "
          f"cpu_ms={min(cpu) * 1e3:.4f}")


if __name__ == "__main__":
    main()
