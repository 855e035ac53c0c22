#!/usr/bin/python3
"""PyTorch 1.13 twin of examples/tiny_yolo.cpp: the same images, model, initialization scheme,
loss, optimizer, schedule, batches and evaluation, so the time to mAP@0.5 0.90 can be compared.

    build/release/examples/tiny_yolo --train-images 4096 --export-data /tmp/shapes.safetensors
    /usr/bin/python3 examples/reference/tiny_yolo_torch.py --data /tmp/shapes.safetensors --epochs 20 [--stop-at 0.90]

The data: not generated here. `tiny_yolo --export-data FILE` writes xgrad's own training and
validation images (data/shapes.hpp: train seed 1, validation seed 2) as bytes and their targets as
the float32 rows xgrad trains on; this script reads that safetensors file (the format is an 8-byte
header length, a JSON header and the raw bytes) and makes the images pixels / 255 in float32, as
ShapesDataset::images does, so both sides see the same numbers to the bit (checked at start-up
against the file's check.* entries: the first 4 images and targets as xgrad's ShapesDataset gives
them).

The same as xgrad (each from the file named):
  model      models/tiny_yolo.cpp, TinyYoloConfig::small(): Conv2d(3,16,3,s2,p1,no bias)-BN-SiLU,
             Conv2d(16,32,3,s2)-BN-SiLU, Conv2d(32,64,3,s2)-BN-SiLU, 2 x Conv2d(64,64,3,s1)-BN-SiLU,
             head Conv2d(64, 3 (5 + 3), 1) with bias; output (N, 3, 8, 8, 8) by reshape + permute.
             BatchNorm2d eps 1e-5, momentum 0.1.
  init       nn/conv2d.cpp: kaiming_uniform(a = sqrt 5) weights, bias uniform +-1/sqrt(fan_in):
             PyTorch's Conv2d default, which xgrad reproduces; BatchNorm weight 1, bias 0.
  loss       losses/yolo_loss.cpp with YoloLossConfig::seed(3) on the model's one scale (anchors
             12, 18, 26 pixels, stride 8): anchor ratio < 4 assignment (every passing anchor, anchor
             major), SigmoidExp decode, CIoU box loss (the reference's eps policy: ciou() of
             tests/fixtures/losses/make_yolo_fixtures.py), objectness target max(CIoU, 0), class
             BCE; total = 0.05 Box + (1.0 Obj + 0.5 NoObj) + 0.5 Cls. Checked at start-up against
             that fixture's reference_loss with lambda_noobj = 1.
  training   train/tiny_yolo_trainer.cpp: torch.manual_seed(seed), then the model; Adam (betas
             0.9, 0.999, eps 1e-8, no weight decay); OneCycleLR(max_lr = lr, total_steps = epochs x
             steps per epoch, PyTorch's defaults: pct_start 0.3, cos, div 25, final div 1e4,
             beta1 cycled 0.95 -> 0.85), stepped after every batch; clip_grad_norm 10; per epoch a
             new torch.randperm of the training images, batches of 16, the last incomplete one
             dropped; zero_grad, forward, loss, backward, clip, step, schedule step.
  evaluation models/detection/: after each epoch, in eval mode, the 500 validation images by
             batches of 50: score = sigmoid(t_obj) x max sigmoid(class logit) (in float64),
             candidates with score > 0.01, boxes (sigmoid(t) + cell) / 8 and exp(t) anchor / 64,
             per-class greedy NMS at IoU > 0.5 (torchvision.ops.nms per class), the best 100 per
             image by score; VOC all-point mAP@0.5 (IoU > 0.5 strictly, greedy matching by score,
             duplicates false positives), the mean over the classes that have true boxes.
The random streams differ (PyTorch's generator is not xgrad's): the initial weights and the
epochs' orders are other draws of the same distributions, not the same numbers.

Prints, per epoch, a line like xgrad's ("epoch 3/20  loss ... mAP@0.5 0.912 ..."), which
bench/e2e.py reads; --stop-at M ends the run after the first epoch whose mAP@0.5 is >= M (the
schedule still spans --epochs). Runs on --threads threads (default: OMP_NUM_THREADS, else 1).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "losses"))
from make_yolo_fixtures import ciou, reference_loss  # noqa: E402

torch.set_default_dtype(torch.float32)  # the fixture module makes float64 the default

NUM_CLASSES = 3
IMAGE_SIZE = 64
STRIDE = 8
GRID = IMAGE_SIZE // STRIDE
ANCHORS = [[12.0, 12.0], [18.0, 18.0], [26.0, 26.0]]  # (w, h), pixels
BACKBONE = [(16, 3, 2), (32, 3, 2), (64, 3, 2), (64, 3, 1), (64, 3, 1)]  # out channels, kernel, stride
LAMBDA_COORD, LAMBDA_OBJ, LAMBDA_NOOBJ, LAMBDA_CLS = 0.05, 1.0, 0.5, 0.5  # YoloLossConfig::seed
SCORE_THRESHOLD, NMS_IOU, MAX_DETECTIONS, MAP_IOU = 0.01, 0.5, 100, 0.5  # DecodeOptions, mAP@0.5


# --- the data: tiny_yolo --export-data's safetensors file --------------------------------------

def read_safetensors(path):
    dtypes = {"U8": np.uint8, "F32": np.float32, "F64": np.float64, "I64": np.int64}
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, h in header.items():
        begin, end = h["data_offsets"]
        a = np.frombuffer(raw, dtypes[h["dtype"]], count=(end - begin) // np.dtype(dtypes[h["dtype"]]).itemsize,
                          offset=8 + n + begin)
        out[name] = torch.from_numpy(a.reshape(h["shape"]).copy())
    return out, meta


class Shapes:
    """One dataset: the bytes, and per image its target rows (class, cx, cy, w, h), float32."""
    # k / 255 in float32, as ShapesDataset::images' static_cast<float>(k) / 255.0f (a table, so that
    # no division by a scalar is turned into a multiplication by its reciprocal).
    LUT = torch.from_numpy(np.arange(256, dtype=np.float32) / np.full(256, 255, np.float32))

    def __init__(self, pixels, targets):
        self.pixels = pixels
        rows = targets.numpy()
        image = rows[:, 0].astype(np.int64)
        self.per_image = [torch.from_numpy(rows[image == i, 1:].copy()) for i in range(len(pixels))]

    def __len__(self):
        return len(self.pixels)

    def batch(self, indices):
        """Images (B, 3, S, S) float32 and targets (T, 6) (position in batch, class, cx, cy, w, h)."""
        images = self.LUT[self.pixels[indices].long()]
        rows = [torch.cat([torch.full((len(self.per_image[i]), 1), float(b)), self.per_image[i]], 1)
                for b, i in enumerate(indices.tolist())]
        return images, torch.cat(rows, 0)


# --- the model: TinyYoloConfig::small() --------------------------------------------------------

class TinyYolo(torch.nn.Module):
    def __init__(self):
        super().__init__()
        layers, channels = [], 3
        for out, k, s in BACKBONE:
            layers += [torch.nn.Conv2d(channels, out, k, s, k // 2, bias=False), torch.nn.BatchNorm2d(out),
                       torch.nn.SiLU()]
            channels = out
        self.backbone = torch.nn.Sequential(*layers)
        self.head = torch.nn.Conv2d(channels, len(ANCHORS) * (5 + NUM_CLASSES), 1)

    def forward(self, x):
        raw = self.head(self.backbone(x))  # (N, A (5 + C), G, G)
        n = x.shape[0]
        return raw.reshape(n, len(ANCHORS), 5 + NUM_CLASSES, GRID, GRID).permute(0, 1, 3, 4, 2)


# --- the loss: YoloLossConfig::seed(3) on one scale ---------------------------------------------

ANCHOR_CELLS = torch.tensor(ANCHORS, dtype=torch.float64) / STRIDE


def yolo_loss(p, targets, lambda_noobj=LAMBDA_NOOBJ):
    """(total, box, obj, noobj, cls) of predictions p (B, A, G, G, 5 + C) and targets (T, 6), as
    losses/yolo_loss.cpp: the assignment in float64 from the float32 targets, as xgrad's."""
    _, na, gy, gx, width = p.shape
    t = targets.double()
    xywh = t[:, 2:6] * torch.tensor([gx, gy, gx, gy], dtype=torch.float64)
    r = xywh[None, :, 2:4] / ANCHOR_CELLS[:, None]  # (anchors, targets, 2)
    inv = torch.where(r == 0, torch.full_like(r, math.inf), 1 / r)
    keep = torch.max(r, inv).max(2)[0] < 4.0  # strict
    a, k = keep.nonzero(as_tuple=True)  # anchor-major, then target order
    cells = p.shape[0] * na * gy * gx
    rows = p.reshape(-1, width)
    obj_target = torch.zeros(cells, dtype=p.dtype)
    responsible = torch.zeros(cells, dtype=torch.bool)
    box = cls = None
    if a.numel():
        tk = xywh[k]
        cx = tk[:, 0].trunc().clamp(0, gx - 1)
        cy = tk[:, 1].trunc().clamp(0, gy - 1)
        b, c = t[k, 0].long(), t[k, 1].long()
        flat = ((b * na + a) * gy + cy.long()) * gx + cx.long()
        ps = rows[flat]
        priors = ANCHOR_CELLS[a].to(p.dtype)
        off_x, off_y = (tk[:, 0] - cx).to(p.dtype), (tk[:, 1] - cy).to(p.dtype)
        w, h = tk[:, 2].to(p.dtype), tk[:, 3].to(p.dtype)
        pxy = ps[:, :2].sigmoid()
        pwh = torch.exp(ps[:, 2:4]) * priors
        iou = ciou(pxy[:, 0], pxy[:, 1], pwh[:, 0], pwh[:, 1], off_x, off_y, w, h)
        box = (1.0 - iou).mean()
        obj_target[flat] = iou.detach().clamp(min=0)  # no two matches share a predictor here
        responsible[flat] = True
        onehot = torch.zeros(len(a), NUM_CLASSES, dtype=p.dtype)
        onehot[torch.arange(len(a)), c] = 1.0
        cls = F.binary_cross_entropy_with_logits(ps[:, 5:], onehot)
    bce = F.binary_cross_entropy_with_logits(rows[:, 4], obj_target, reduction="none")
    n = float(cells)
    if LAMBDA_OBJ == lambda_noobj:
        obj = bce.mean() * LAMBDA_OBJ
    else:
        weight = torch.where(responsible, torch.tensor(LAMBDA_OBJ, dtype=p.dtype),
                             torch.tensor(lambda_noobj, dtype=p.dtype))
        obj = (bce * weight).sum() / n
    with torch.no_grad():
        obj_part = LAMBDA_OBJ * bce[responsible].sum().item() / n
        noobj_part = lambda_noobj * bce[~responsible].sum().item() / n
    total = obj
    if box is not None:
        total = box * LAMBDA_COORD + total
    if cls is not None:
        total = total + cls * LAMBDA_CLS
    part = (lambda v, wgt: 0.0 if v is None else v.item() * wgt)
    return total, part(box, LAMBDA_COORD), obj_part, noobj_part, part(cls, LAMBDA_CLS)


def check_data(train, tensors):
    """The first training images and targets as this script makes them equal, to the bit, the ones
    xgrad trains on (the file's check.* entries: ShapesDataset::images and ::targets)."""
    want_images, want_targets = tensors.get("check.train_images"), tensors.get("check.train_targets")
    if want_images is None or want_targets is None:
        sys.exit("tiny_yolo_torch.py: the data file has no check.* entries; write it again with tiny_yolo --export-data")
    images, targets = train.batch(torch.arange(len(want_images)))
    for what, got, want in (("images", images, want_images), ("targets", targets, want_targets)):
        if got.shape != want.shape or not torch.equal(got.view(torch.int32), want.view(torch.int32)):
            sys.exit(f"tiny_yolo_torch.py: the first training {what} differ from xgrad's ({tuple(got.shape)} vs "
                     f"{tuple(want.shape)})")


def check_loss(data):
    """This loss with lambda_noobj = 1 equals the fixture's reference_loss (the reference preset)."""
    g = torch.Generator().manual_seed(123)
    images, targets = data.batch(torch.arange(16))
    pred = torch.randn(16, len(ANCHORS), GRID, GRID, 5 + NUM_CLASSES, generator=g, dtype=torch.float64) * 0.5
    mine = yolo_loss(pred, targets.double(), lambda_noobj=1.0)[0].item()
    scales = [{"anchors": [[w / STRIDE, h / STRIDE] for w, h in ANCHORS], "stride": 1}]
    torch.set_default_dtype(torch.float64)
    try:
        ref = reference_loss([pred], targets.double(), scales, NUM_CLASSES)[0].item()
    finally:
        torch.set_default_dtype(torch.float32)
    if not abs(mine - ref) <= 1e-9 * abs(ref):
        sys.exit(f"tiny_yolo_torch.py: the loss {mine!r} differs from the fixture's reference_loss {ref!r}")


# --- evaluation: decode_yolo, batched NMS, VOC mAP@0.5 -----------------------------------------

def detect(p):
    """Per image a list of (score, class, x1, y1, x2, y2) after per-class NMS, best first, as
    models/detection/decode.cpp (in float64 from the float32 predictions)."""
    p = p.double()
    n, na, gh, gw, _ = p.shape
    logits = p[..., 5:]
    best = logits.argmax(-1)  # the first of equal logits, as xgrad's strict >
    score = torch.sigmoid(p[..., 4]) * torch.sigmoid(logits.gather(-1, best[..., None])[..., 0])
    ys = torch.arange(gh, dtype=torch.float64)[None, None, :, None]
    xs = torch.arange(gw, dtype=torch.float64)[None, None, None, :]
    anchors = torch.tensor(ANCHORS, dtype=torch.float64)
    cx = (torch.sigmoid(p[..., 0]) + xs) / gw
    cy = (torch.sigmoid(p[..., 1]) + ys) / gh
    w = torch.exp(p[..., 2]) * anchors[:, 0, None, None] / (STRIDE * gw)
    h = torch.exp(p[..., 3]) * anchors[:, 1, None, None] / (STRIDE * gh)
    boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)
    out = []
    for i in range(n):
        s, c, bx = score[i].reshape(-1), best[i].reshape(-1), boxes[i].reshape(-1, 4)
        ok = (s > SCORE_THRESHOLD) & torch.isfinite(w[i].reshape(-1)) & torch.isfinite(h[i].reshape(-1))
        idx = ok.nonzero()[:, 0]  # candidates in xgrad's (anchor, y, x) order
        kept = []
        for cls in range(NUM_CLASSES):
            mine = idx[c[idx] == cls]
            if mine.numel():
                kept.append(mine[torchvision.ops.nms(bx[mine], s[mine], NMS_IOU)])
        if not kept:
            out.append([])
            continue
        kept = torch.cat(kept).numpy()
        sk = s.numpy()[kept]
        order = kept[np.lexsort((kept, -sk))][:MAX_DETECTIONS]  # by score, ties in candidate order
        sn, cn, bn = s.numpy(), c.numpy(), bx.numpy()
        out.append([(float(sn[j]), int(cn[j]), *map(float, bn[j])) for j in order])
    return out


def iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def mean_ap(detections, truths):
    """models/detection/mean_ap.cpp: VOC all-point AP per class, mean over classes with truths."""
    aps = []
    for c in range(NUM_CLASSES):
        gts = [[t for t in image if t[0] == c] for image in truths]
        n_true = sum(len(g) for g in gts)
        if n_true == 0:
            aps.append(None)
            continue
        dets = [(d[0], i, d[2:]) for i, image in enumerate(detections) for d in image if d[1] == c]
        dets.sort(key=lambda d: -d[0])  # stable: ties image by image, then in-image order
        used = [[False] * len(g) for g in gts]
        tp = fp = 0
        recall, precision = [], []
        for _, i, box in dets:
            best, best_k = -1.0, 0
            for k, t in enumerate(gts[i]):
                o = iou(box, t[1])
                if o > best:
                    best, best_k = o, k
            if best > MAP_IOU and not used[i][best_k]:
                used[i][best_k] = True
                tp += 1
            else:
                fp += 1
            recall.append(tp / n_true)
            precision.append(tp / (tp + fp))
        r, p = [0.0] + recall + [1.0], [0.0] + precision + [0.0]
        for j in range(len(p) - 1, 0, -1):
            p[j - 1] = max(p[j - 1], p[j])
        aps.append(sum((r[j] - r[j - 1]) * p[j] for j in range(1, len(r)) if r[j] != r[j - 1]))
    counted = [a for a in aps if a is not None]
    return (sum(counted) / len(counted) if counted else 0.0), [a or 0.0 for a in aps]


def evaluate(model, val, batch_size=50):
    was_training = model.training
    model.eval()
    detections, truths = [], []
    with torch.no_grad():
        for start in range(0, len(val), batch_size):
            idx = torch.arange(start, min(len(val), start + batch_size))
            images, _ = val.batch(idx)
            detections += detect(model(images))
            for i in idx.tolist():
                truths.append([(int(r[0]), (r[1] - r[3] / 2, r[2] - r[4] / 2, r[1] + r[3] / 2, r[2] + r[4] / 2))
                               for r in val.per_image[i].double().tolist()])
    model.train(was_training)
    return mean_ap(detections, truths)


# --- the run -----------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="tiny_yolo --export-data's file (the images and targets)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3, help="OneCycleLR's peak rate (Adam)")
    ap.add_argument("--clip", type=float, default=10.0, help="clip the gradient's norm to this (0: no clipping)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the initialization and the batch order")
    ap.add_argument("--stop-at", type=float, default=0.0, help="stop after the first epoch with mAP@0.5 >= this")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")))
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    start = time.perf_counter()
    tensors, meta = read_safetensors(a.data)
    if int(meta.get("image_size", IMAGE_SIZE)) != IMAGE_SIZE:
        sys.exit(f"tiny_yolo_torch.py: {a.data} holds {meta['image_size']}-pixel images; the model takes {IMAGE_SIZE}")
    train = Shapes(tensors["train.pixels"], tensors["train.targets"])
    val = Shapes(tensors["val.pixels"], tensors["val.targets"])
    print(f"data: {len(train)} training images (seed {meta.get('train_seed')}), {len(val)} validation images "
          f"(seed {meta.get('val_seed')}) from {a.data} in {time.perf_counter() - start:.1f} s")
    check_data(train, tensors)
    check_loss(train)

    torch.manual_seed(a.seed)
    model = TinyYolo()
    steps = len(train) // a.batch_size  # drop_last
    if steps < 1:
        sys.exit(f"tiny_yolo_torch.py: {len(train)} images make no batch of {a.batch_size}")
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.epochs * steps)
    print(f"model: {sum(p.numel() for p in model.parameters())} parameters; {steps} steps per epoch of "
          f"{a.batch_size} images; threads {torch.get_num_threads()}", flush=True)
    best, best_epoch = -1.0, 0
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(train))
        sums = [0.0] * 5
        for s in range(steps):
            images, targets = train.batch(order[s * a.batch_size:(s + 1) * a.batch_size])
            opt.zero_grad()
            total, *parts = yolo_loss(model(images), targets)
            value = total.item()
            if not math.isfinite(value):
                sys.exit(f"tiny_yolo_torch.py: the loss is {value} at epoch {epoch} step {s}")
            lr = opt.param_groups[0]["lr"]
            total.backward()
            if a.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            opt.step()
            sched.step()
            for j, v in enumerate([value, *parts]):
                sums[j] += v
        m, ap_cls = evaluate(model, val)
        improved = m > best
        if improved:
            best, best_epoch = m, epoch
        means = [v / steps for v in sums]
        print(f"epoch {epoch}/{a.epochs}  loss {means[0]:.4f} (box {means[1]:.4f} obj {means[2]:.4f} noobj "
              f"{means[3]:.4f} cls {means[4]:.4f})  mAP@0.5 {m:.3f} (circle {ap_cls[0]:.3f} square {ap_cls[1]:.3f} "
              f"triangle {ap_cls[2]:.3f}){' best' if improved else ''}  lr {lr:.2e}  "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        if a.stop_at > 0 and m >= a.stop_at:
            print(f"stopped: mAP@0.5 {m:.3f} >= {a.stop_at} after epoch {epoch}")
            break
    print(f"best mAP@0.5 {best:.3f} at epoch {best_epoch}; {time.perf_counter() - start:.1f} s in all")


if __name__ == "__main__":
    main()
