#!/usr/bin/env python3
"""MaxBoxAccV2 over many score maps: c2am.wsol beside an OpenCV loop.

The Python index does not carry wsolevaluation, so the comparison is an
OpenCV loop written for this benchmark that does what wsolevaluation's
BoxEvaluator does per image (its compute_bboxes_from_scoremaps and IoU
steps): uint8 by truncation, cv2.threshold at int(t * max) for the 100
thresholds, cv2.findContours(RETR_TREE), every contour's boundingRect capped
at W-1/H-1, IoU with +1 areas, best IoU >= delta. Both sides get the same
maps already upsampled to 224x224 (the upsampling is timed separately, c2am's
OpenCV-exact bicubic against cv2.resize). Both must print the same
MaxBoxAccV2; the table gives seconds and maps per second.

Maps: smooth random blobs on 28x28 (a ResNet's map at 448/16), 1-2 boxes each.

Usage: wsol_python_bench.py [--maps N] [--json PATH]
"""
import argparse
import json
import os
import platform
import time

import cv2
import numpy as np

import c2am
from c2am import wsol

THRESHOLDS = np.arange(0, 1, 0.01)
DELTAS = (30, 50, 70)


def make_maps(n, rng):
    yy, xx = np.mgrid[0:28, 0:28]
    maps, boxes = [], []
    for _ in range(n):
        m = np.zeros((28, 28))
        gt = []
        for _ in range(rng.integers(1, 3)):
            cy, cx, sy, sx = rng.uniform(4, 24), rng.uniform(4, 24), rng.uniform(2, 6), rng.uniform(2, 6)
            m += rng.uniform(0.5, 1) * np.exp(-((yy - cy) / sy) ** 2 / 2 - ((xx - cx) / sx) ** 2 / 2)
            gt.append([max(0, (cx - 2 * sx) * 8), max(0, (cy - 2 * sy) * 8), min(223, (cx + 2 * sx) * 8),
                       min(223, (cy + 2 * sy) * 8)])
        m += rng.uniform(0, 0.1, m.shape)
        maps.append((m / m.max()).astype(np.float32))
        boxes.append(np.floor(np.array(gt)))
    return maps, boxes


def upsample_opencv(m):
    up = cv2.resize(m.astype(np.float64), (224, 224), interpolation=cv2.INTER_CUBIC)
    up -= up.min()
    return up / up.max() if up.max() > 0 else up


def opencv_boxes(scoremap):
    h, w = scoremap.shape
    u8 = (scoremap * 255).astype(np.uint8)
    peak = np.max(u8)
    out = []
    for t in THRESHOLDS:
        _, mask = cv2.threshold(u8, int(t * peak), 255, cv2.THRESH_BINARY)
        contours = cv2.findContours(mask, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)[0]
        boxes = []
        for c in contours:
            x, y, bw, bh = cv2.boundingRect(c)
            boxes.append([x, y, min(x + bw, w - 1), min(y + bh, h - 1)])
        out.append(np.array(boxes if boxes else [[0, 0, 0, 0]]))
    return out


def best_iou(a, b):
    ix0, iy0 = np.maximum(a[:, None, 0], b[None, :, 0]), np.maximum(a[:, None, 1], b[None, :, 1])
    ix1, iy1 = np.minimum(a[:, None, 2], b[None, :, 2]), np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.maximum(ix1 - ix0 + 1, 0) * np.maximum(iy1 - iy0 + 1, 0)
    area_a = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1)
    area_b = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0).max()


def opencv_max_box_acc_v2(maps, boxes):
    correct = {d: np.zeros(len(THRESHOLDS)) for d in DELTAS}
    for m, gt in zip(maps, boxes):
        for k, found in enumerate(opencv_boxes(m)):
            iou = best_iou(found, gt.astype(np.int64))
            for d in DELTAS:
                correct[d][k] += iou >= d / 100
    return float(np.mean([correct[d].max() * 100 / len(maps) for d in DELTAS]))


def c2am_max_box_acc_v2(maps, boxes):
    evaluator = wsol.BoxEvaluator(multi_contour_eval=True)
    for m, gt in zip(maps, boxes):
        evaluator.accumulate(m, gt)
    return float(np.mean(evaluator.compute()))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--maps", type=int, default=5000)
    p.add_argument("--json")
    a = p.parse_args()
    maps, boxes = make_maps(a.maps, np.random.default_rng(0))

    start = time.perf_counter()
    up_cv = [upsample_opencv(m) for m in maps]
    t_up_cv = time.perf_counter() - start
    start = time.perf_counter()
    up_c2 = [wsol.upsample_scoremap(m, 224, 224) for m in maps]
    t_up_c2 = time.perf_counter() - start
    same_maps = all(np.array_equal(x, y) for x, y in zip(up_cv, up_c2))

    start = time.perf_counter()
    v2_cv = opencv_max_box_acc_v2(up_cv, boxes)
    t_cv = time.perf_counter() - start
    start = time.perf_counter()
    v2_c2 = c2am_max_box_acc_v2(up_c2, boxes)
    t_c2 = time.perf_counter() - start

    threads = os.environ.get("OMP_NUM_THREADS", str(os.cpu_count()))
    print("MaxBoxAccV2 over %d maps (28x28 -> 224x224), 100 thresholds, multi-contour; %s; OpenCV loop one "
          "thread, c2am %s threads (OMP_NUM_THREADS)" % (a.maps, platform.processor() or platform.machine(), threads))
    print("%-36s %12s %12s %8s" % ("", "OpenCV (s)", "c2am (s)", "ratio"))
    print("%-36s %12.2f %12.2f %7.1fx" % ("upsample (bicubic + min-max)", t_up_cv, t_up_c2, t_up_cv / t_up_c2))
    print("%-36s %12.2f %12.2f %7.1fx" % ("boxes + IoU over the sweep", t_cv, t_c2, t_cv / t_c2))
    print("maps per second (boxes + IoU): OpenCV loop %.0f, c2am %.0f" % (a.maps / t_cv, a.maps / t_c2))
    # Both are means of count * 100 / maps; they may differ in the last bit only.
    same_score = abs(v2_cv - v2_c2) < 1e-9
    print("MaxBoxAccV2: OpenCV loop %.4f, c2am %.4f (%s); upsampled maps identical: %s"
          % (v2_cv, v2_c2, "equal" if same_score else "DIFFERENT", same_maps))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"benchmark": "wsol_python", "maps": a.maps, "c2am_threads": threads, "opencv": cv2.__version__, "c2am": c2am.__version__,
                       "seconds": {"opencv_upsample": t_up_cv, "c2am_upsample": t_up_c2,
                                   "opencv_boxes_iou": t_cv, "c2am_boxes_iou": t_c2},
                       "max_box_acc_v2": {"opencv_loop": v2_cv, "c2am": v2_c2},
                       "upsampled_maps_identical": same_maps}, f, indent=1)
    if not same_score or not same_maps:
        raise SystemExit("the two sides disagree")


if __name__ == "__main__":
    main()
