#!/usr/bin/env python3
"""The C²AM training step and map inference of bench/train_bench, in PyTorch
on the CPU, with the same shapes and thread count, side by side with c2am.

Training: ResNet-18 and ResNet-50 (torchvision's, stage strides 1, 2, 2, 1 as
C²AM trains them: layer4 at layer3's resolution), features cat(layer4,
layer3), the head (3×3 conv → BatchNorm2d(1) → sigmoid), fg/bg pooling, the
rank-weighted contrastive loss, backward and an SGD step (momentum 0.9,
weight decay 1e-4), batch 16 at 224×224, float32, random images.
Inference: ResNet-50 maps at 448×448 under torch.inference_mode(), batch 1
and 8, the model in eval mode.

Each row is the median of --repeats timed runs after one warm-up. With
--c2am-json (the JSON of train_bench) the two are printed side by side with
the ratio c2am/PyTorch in images per second.

Usage: train_bench_torch.py [--threads N] [--repeats N] [--batch N]
                            [--json PATH] [--c2am-json PATH] [--quick]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ALPHA = 0.05


def backbone(depth):
    model = getattr(torchvision.models, f"resnet{depth}")(weights=None)
    block = model.layer4[0]
    # layer4 at stride 1: the strided convolution and the shortcut's.
    (block.conv2 if depth >= 50 else block.conv1).stride = (1, 1)
    block.downsample[0].stride = (1, 1)
    return model


class C2am(nn.Module):
    def __init__(self, depth):
        super().__init__()
        self.net = backbone(depth)
        channels = 3072 if depth >= 50 else 768
        self.activation_head = nn.Conv2d(channels, 1, kernel_size=3, padding=1, bias=False)
        self.bn_head = nn.BatchNorm2d(1)

    def features(self, x):
        n = self.net
        x = n.maxpool(n.relu(n.bn1(n.conv1(x))))
        x3 = n.layer3(n.layer2(n.layer1(x)))
        return torch.cat([n.layer4(x3), x3], dim=1)

    def forward(self, images):
        z = self.features(images)
        p = torch.sigmoid(self.bn_head(self.activation_head(z)))
        n, c, h, w = z.shape
        zf = z.reshape(n, c, h * w).transpose(1, 2)
        pf = p.reshape(n, 1, h * w)
        return (pf @ zf).reshape(n, c) / (h * w), ((1 - pf) @ zf).reshape(n, c) / (h * w), p


def similarity(a, b):
    return torch.clamp(F.normalize(a, dim=1) @ F.normalize(b, dim=1).t(), 0.0005, 0.9995)


def sim_max(x):
    s = similarity(x, x)
    order = torch.sort(s.detach(), dim=1, descending=True, stable=True).indices
    rank = torch.argsort(order, dim=1).to(s.dtype) - 1.0
    return (torch.exp(-ALPHA * rank) * -torch.log(s)).mean()


def loss(fg, bg):
    return sim_max(bg) + (-torch.log(1 - similarity(bg, fg))).mean() + sim_max(fg)


def median_ms(step, repeats):
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times)


def train_row(depth, batch, repeats):
    torch.manual_seed(1)
    model = C2am(depth).train()
    sgd = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, weight_decay=1e-4)
    images = torch.randn(batch, 3, 224, 224)

    def step():
        fg, bg, _ = model(images)
        sgd.zero_grad()
        loss(fg, bg).backward()
        sgd.step()

    ms = median_ms(step, repeats)
    return {"model": f"resnet{depth} @224", "mode": "train", "batch": batch, "ms": ms,
            "images_per_s": 1e3 * batch / ms}


def inference_row(batch, repeats):
    torch.manual_seed(1)
    model = C2am(50).eval()
    images = torch.randn(batch, 3, 448, 448)

    def step():
        with torch.inference_mode():
            model.bn_head(model.activation_head(model.features(images)))

    ms = median_ms(step, repeats)
    return {"model": "resnet50 maps @448", "mode": "inference", "batch": batch, "ms": ms,
            "images_per_s": 1e3 * batch / ms}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--json")
    parser.add_argument("--c2am-json")
    parser.add_argument("--quick", action="store_true", help="ResNet-18 training and batch-1 inference only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__} train_bench twin: {args.threads} threads, "
          f"oneDNN {torch.backends.mkldnn.is_available()}, median of {args.repeats}\n")
    rows = [train_row(18, args.batch, args.repeats)]
    if not args.quick:
        rows.append(train_row(50, args.batch, args.repeats))
    for batch in (1,) if args.quick else (1, 8):
        rows.append(inference_row(batch, args.repeats))
    for r in rows:
        print(f"{r['model']:<24} {r['mode']:<10} batch {r['batch']:>3} {r['ms']:10.1f} ms {r['images_per_s']:8.2f} img/s",
              flush=True)
    result = {"benchmark": "train_bench_torch", "torch": torch.__version__, "threads": args.threads, "rows": rows}
    if args.c2am_json:
        with open(args.c2am_json) as f:
            ours = {(r["model"], r["mode"], r["batch"]): r for r in json.load(f)["rows"]}
        print(f"\n{'model':<24} {'mode':<10} {'batch':>5} {'c2am img/s':>11} {'torch img/s':>12} {'ratio':>6}")
        for r in rows:
            o = ours.get((r["model"], r["mode"], r["batch"]))
            if o is None:
                continue
            ratio = o["images_per_s"] / r["images_per_s"]
            r["c2am_images_per_s"], r["ratio"] = o["images_per_s"], ratio
            print(f"{r['model']:<24} {r['mode']:<10} {r['batch']:>5} {o['images_per_s']:11.2f} "
                  f"{r['images_per_s']:12.2f} {ratio:6.2f}")
    print("\n" + json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
