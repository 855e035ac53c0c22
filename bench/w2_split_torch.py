#!/usr/bin/python3
"""How much of PyTorch's W2 step (bench/compare) is the two OpenBLAS gemms xgrad calls too.

    OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/w2_split_torch.py

W2's step is Linear(784, 10) + cross-entropy + SGD on a batch of 128. Its forward product
(128, 784) x (784, 10) and its weight gradient (10, 128) x (128, 784) are one sgemm each, in
PyTorch and in xgrad alike, through the same OpenBLAS. If they take a share s of PyTorch's step,
no framework overhead removed can make xgrad faster than 1 / s times PyTorch on W2. Prints the best
of 7 runs of 300 calls for each, in microseconds, and s.
"""
import time

import torch


def best_us(f, runs=7, calls=300):
    for _ in range(100):
        f()
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            f()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x, y = torch.rand(128, 784), torch.randint(0, 10, (128,))
    model = torch.nn.Linear(784, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    dy = torch.randn(128, 10)

    def step():
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    w, b = model.weight.detach(), model.bias.detach()
    forward = best_us(lambda: torch.addmm(b, x, w.t()))
    weight_grad = best_us(lambda: dy.t().mm(x))
    whole = best_us(step)
    print(f"step {whole:.1f} us, forward gemm {forward:.1f} us, weight-gradient gemm {weight_grad:.1f} us, "
          f"gemm share {(forward + weight_grad) / whole:.2f}, bound on the ratio {whole / (forward + weight_grad):.2f}")


if __name__ == "__main__":
    main()
