#!/usr/bin/env python3
"""c2am.densecrf beside pydensecrf (pydensecrf2 from the Python index) from
Python, on the same images and unaries: one image at a time (DenseCRF2D, the
drop-in API) and a whole batch (c2am.densecrf.batch_inference on CPU threads,
or a GPU with --device cuda, against a loop of pydensecrf calls).

Images: synthetic 500x375 pictures (VOC's usual size) with coloured objects on
texture; unaries from labels (gt_prob 0.7) with the C²AM release's background-
cue kernels (Gaussian sxy 3 compat 3, bilateral sxy 50 srgb 5 compat 10), 10
iterations; timed from the unaries to Q. Prints a table and, with --json, the
figures. Also prints the largest |Q difference| between the two.

Usage: crf_python_bench.py [--images N] [--labels L] [--repeats R] [--device D] [--json PATH]
Run with .venv-python/bin/python and the module on PYTHONPATH (build/python) or installed.
"""
import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import pydensecrf.densecrf as pd_dcrf
from pydensecrf.utils import unary_from_labels

import c2am
import c2am.densecrf as c2_dcrf


def picture(rng, h, w, labels):
    yy, xx = np.mgrid[0:h, 0:w]
    image = np.stack([60 + 40 * np.sin(xx / 9.0), 80 + 30 * np.cos(yy / 7.0), 100 + 0 * xx], -1).astype(np.float64)
    label_map = np.zeros((h, w), np.int64)
    for k in range(1, labels):
        cy, cx, ry, rx = rng.uniform(0.2, 0.8) * h, rng.uniform(0.2, 0.8) * w, rng.uniform(0.1, 0.3) * h, rng.uniform(0.1, 0.3) * w
        inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
        image[inside] = rng.integers(0, 256, 3)
        label_map[inside] = k
    image = np.clip(image + rng.normal(0, 8, image.shape), 0, 255).astype(np.uint8)
    noisy = np.where(rng.random((h, w)) < 0.15, rng.integers(0, labels, (h, w)), label_map)
    return image, unary_from_labels(noisy, labels, gt_prob=0.7, zero_unsure=False)


def one(module, image, unary):
    h, w = image.shape[:2]
    d = module.DenseCRF2D(w, h, unary.shape[0])
    d.setUnaryEnergy(unary)
    d.addPairwiseGaussian(sxy=3, compat=3)
    d.addPairwiseBilateral(sxy=50, srgb=5, rgbim=image, compat=10)
    return np.array(d.inference(10))


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=16)
    p.add_argument("--labels", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="cpu")
    p.add_argument("--json")
    a = p.parse_args()
    rng = np.random.default_rng(0)
    data = [picture(rng, 375, 500, a.labels) for _ in range(a.images)]
    image, unary = data[0]

    t_pd_one, q_pd = timed(lambda: one(pd_dcrf, image, unary), a.repeats)
    t_c2_one, q_c2 = timed(lambda: one(c2_dcrf, image, unary), a.repeats)
    t_pd_batch, qs_pd = timed(lambda: [one(pd_dcrf, i, u) for i, u in data], 1)
    t_c2_batch, qs_c2 = timed(lambda: c2_dcrf.batch_inference([i for i, _ in data], [u for _, u in data], 10,
                                                              device=a.device), a.repeats)
    worst = max(float(np.abs(x - y).max()) for x, y in zip(qs_pd, qs_c2))
    agree = min(float((x.argmax(0) == y.argmax(0)).mean()) for x, y in zip(qs_pd, qs_c2))
    threads = os.environ.get("OMP_NUM_THREADS", str(os.cpu_count()))
    rows = [("one image (DenseCRF2D)", t_pd_one, t_c2_one), ("batch of %d (c2am: batch_inference, %s)" % (a.images, a.device),
                                                             t_pd_batch, t_c2_batch)]
    print("dense CRF, 500x375, %d labels, 10 iterations; %s, %s threads" % (a.labels, platform.processor() or platform.machine(), threads))
    print("%-44s %14s %12s %8s" % ("", "pydensecrf (s)", "c2am (s)", "ratio"))
    for name, t_pd, t_c2 in rows:
        print("%-44s %14.3f %12.3f %7.2fx" % (name, t_pd, t_c2, t_pd / t_c2))
    print("per image in the batch: pydensecrf %.1f ms, c2am %.1f ms" % (1e3 * t_pd_batch / a.images, 1e3 * t_c2_batch / a.images))
    print("largest |Q difference| %.2e; labels agree on at least %.4f of the pixels of every image" % (worst, agree))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"benchmark": "crf_python", "width": 500, "height": 375, "labels": a.labels, "iterations": 10,
                       "images": a.images, "device": a.device, "threads": threads, "c2am": c2am.__version__,
                       "seconds": {"pydensecrf_one": t_pd_one, "c2am_one": t_c2_one,
                                   "pydensecrf_batch": t_pd_batch, "c2am_batch": t_c2_batch},
                       "max_abs_q_difference": worst, "min_label_agreement": agree}, f, indent=1)


if __name__ == "__main__":
    main()
