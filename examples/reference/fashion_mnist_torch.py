#!/usr/bin/python3
"""PyTorch 1.13 twin of examples/fashion_mnist.cpp: the same model, initialization, optimizer,
batch size, learning rate, epochs and shuffling, so the two test accuracies can be compared.

    /usr/bin/python3 examples/reference/fashion_mnist_torch.py --model softmax --optimizer sgd --lr 0.1 --epochs 10
    /usr/bin/python3 examples/reference/fashion_mnist_torch.py --model mlp --optimizer adam --lr 1e-3 --epochs 10

Runs on one thread (two thread pools on 2 cores slow PyTorch down) and prints, per epoch, the mean
training loss, the test accuracy and the seconds taken; at the end the calibration of the test
probabilities as xgrad reports it (mean NLL, 15-bin expected calibration error).

Same as xgrad: images scaled to [0, 1] as float32 (N, 784); nn.Linear's default init (which
xgrad's nn::Linear reproduces: weight and bias uniform in +-1/sqrt(in_features)); a new random
permutation of the training set each epoch, the last batch smaller; cross-entropy on the logits,
or for "ovr" BCE-with-logits against one-hot targets with probabilities sigmoid / sum. The random
streams differ (PyTorch's generator is not xgrad's), so the numbers agree to run-to-run noise, not
to the bit.
"""
import argparse
import gzip
import os
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, path
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(directory, split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(directory, prefix + "-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(directory, prefix + "-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / np.float32(255))
    return x, torch.from_numpy(labels.astype(np.int64))


def make_model(name, hidden):
    if name in ("softmax", "ovr"):
        return torch.nn.Linear(784, 10)
    layers, width = [], 784
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))


def loss_fn(name, logits, y):
    if name == "ovr":
        return F.binary_cross_entropy_with_logits(logits, F.one_hot(y, 10).to(logits.dtype))
    return F.cross_entropy(logits, y)


def probabilities(name, logits):
    if name == "ovr":
        s = torch.sigmoid(logits)
        return s / s.sum(1, keepdim=True)
    return torch.softmax(logits, 1)


def calibration(p, y, bins=15):
    conf, pred = p.max(1)
    correct = (pred == y).double()
    ece = 0.0
    edges = torch.linspace(0, 1, bins + 1, dtype=torch.float64)
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf.double() > lo) & (conf.double() <= hi)
        if inside.any():
            ece += inside.double().mean() * (conf[inside].double().mean() - correct[inside].mean()).abs()
    nll = -p.double().gather(1, y[:, None]).clamp_min(1e-12).log().mean()
    return float(nll), float(ece)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=["softmax", "mlp", "ovr"], default="softmax")
    ap.add_argument("--hidden", type=int, nargs="*", default=[256])
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--momentum", type=float, default=0.0)
    ap.add_argument("--schedule", choices=["none", "cosine"], default="none")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=os.environ.get("XGRAD_FASHION_MNIST_DIR", DEFAULT_DIR))
    a = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    x_train, y_train = load(a.data_dir, "train")
    x_test, y_test = load(a.data_dir, "test")
    model = make_model(a.model, a.hidden)
    if a.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.epochs) if a.schedule == "cosine" else None
    print(f"{a.model} {a.optimizer} lr {a.lr} {a.schedule} batch {a.batch_size} epochs {a.epochs} seed {a.seed}")
    train_seconds = 0.0
    for epoch in range(1, a.epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(len(x_train))
        total, batches = 0.0, 0
        for i in range(0, len(order), a.batch_size):
            idx = order[i : i + a.batch_size]
            loss = loss_fn(a.model, model(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
        if sched:
            sched.step()
        train_seconds += time.perf_counter() - start
        with torch.no_grad():
            logits = model(x_test)
            acc = (logits.argmax(1) == y_test).double().mean().item()
        print(f"epoch {epoch:3d}  train loss {total / batches:.4f}  test accuracy {100 * acc:.2f}%  "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    with torch.no_grad():
        nll, ece = calibration(probabilities(a.model, model(x_test)), y_test)
    print(f"final test accuracy {100 * acc:.2f}%  training {train_seconds:.1f} s  NLL {nll:.4f}  ECE {100 * ece:.2f}%")


if __name__ == "__main__":
    main()
