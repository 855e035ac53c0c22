#!/usr/bin/python3
"""PyTorch 1.13 twin of examples/linear_regression.cpp's default run: the same synthetic data
recipe, standardization, model, initialization, optimizer, learning rate and step count, so the
two runs can be compared (bench/e2e.sh times both).

    /usr/bin/python3 examples/reference/linear_regression_torch.py [--n 200] [--features 3] [--noise 0.5]
        [--seed 0] [--optimizer sgd|momentum|adam] [--lr 0.1] [--momentum 0.9] [--steps 200]

As the C++ program: w_true = 2 N(0, 1) in --features dims, b_true ~ N(0, 1), x ~ N(0, 1) of shape
(n, features), y = x . w_true + b_true + noise N(0, 1), float64 throughout, drawn in that order
from the seeded generator; each feature scaled to mean 0 and (population) variance 1; the model
y = x . w + b with w and b starting at zero (models::LinearRegression); full-batch mean squared
error; plain SGD at lr 0.1 for 200 steps by default. The closed form is lstsq on [X 1]. PyTorch's
generator is not xgrad's, so the data are another draw of the same distribution: the step count to
the target agrees to within a few steps, not exactly.

Prints the first step whose parameters are within 1e-6 (relative) of the closed form, the seconds
spent in the loop until then, and at the end the same summary line as the C++ program:
"relative distance |theta_gd - theta_ls| / |theta_ls| = ...".
"""
import argparse
import time

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--features", type=int, default=3)
    ap.add_argument("--noise", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="sgd")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--steps", type=int, default=200)
    a = ap.parse_args()
    torch.set_num_threads(1)

    torch.manual_seed(a.seed)
    f64 = torch.float64
    w_true = torch.randn(a.features, dtype=f64) * 2.0
    b_true = torch.randn(1, dtype=f64)
    x = torch.randn(a.n, a.features, dtype=f64)
    y = x @ w_true + b_true + torch.randn(a.n, dtype=f64) * a.noise
    x = (x - x.mean(0)) / x.std(0, unbiased=False)

    design = torch.cat([x, torch.ones(a.n, 1, dtype=f64)], 1)
    best = torch.linalg.lstsq(design, y[:, None], driver="gelsd").solution[:, 0]
    minimum = ((design @ best - y) ** 2).mean().item()

    model = torch.nn.Linear(a.features, 1).double()
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    if a.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum if a.optimizer == "momentum" else 0)

    def distance():
        theta = torch.cat([model.weight.detach()[0], model.bias.detach()])
        return ((theta - best).norm() / best.norm()).item()

    reached, start = None, time.perf_counter()
    for step in range(a.steps):
        loss = torch.nn.functional.mse_loss(model(x)[:, 0], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if reached is None and distance() <= 1e-6:
            reached = step + 1
            print(f"within 1e-6 of the closed form after {reached} steps, {time.perf_counter() - start:.4f} s",
                  flush=True)
    with torch.no_grad():
        loss = torch.nn.functional.mse_loss(model(x)[:, 0], y).item()
    print(f"loss {loss:.10g} after {a.steps} steps (least squares {minimum:.10g})")
    rel = distance()
    print(f"relative distance |theta_gd - theta_ls| / |theta_ls| = {rel:.3g}: "
          + ("gradient descent reached the closed form (<= 1e-6)" if rel <= 1e-6 else "not yet within 1e-6"))


if __name__ == "__main__":
    main()
