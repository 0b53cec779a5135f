#!/usr/bin/env python3
"""Times pydensecrf2 on the inputs bench/crf_bench wrote, and compares.

Same image, unaries, kernels (Gaussian sxy 3 compat 3; bilateral sxy 50 srgb 5
compat 10) and 10 iterations; timed from the unaries to Q (lattices
included), median of --repeats runs, on one thread (pydensecrf is
single-threaded). Prints the times, c2am's label agreement and mean |dQ|
against pydensecrf, and with --c2am-json c2am's single-thread time over pydensecrf's.

Usage: crf_bench_pydensecrf.py [--inputs DIR] [--repeats N] [--json PATH] [--c2am-json PATH]
"""
import argparse
import json
import statistics
import time

import numpy as np
from PIL import Image
import pydensecrf.densecrf as dcrf
from pydensecrf.utils import unary_from_labels, unary_from_softmax


def run(image, make_unary, labels):
    h, w = image.shape[:2]
    d = dcrf.DenseCRF2D(w, h, labels)
    d.setUnaryEnergy(np.ascontiguousarray(make_unary()))
    d.addPairwiseGaussian(sxy=3, compat=3)
    d.addPairwiseBilateral(sxy=50, srgb=5, rgbim=image, compat=10)
    return np.array(d.inference(10), dtype=np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", default="crf-bench-inputs")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument("--c2am-json")
    args = parser.parse_args()
    image = np.ascontiguousarray(np.array(Image.open(f"{args.inputs}/image.png").convert("RGB")))
    cue = np.load(f"{args.inputs}/cue.npy").astype(np.int64)
    probabilities = np.load(f"{args.inputs}/probabilities.npy")
    # Unaries are made inside the timing, as c2am's times include them.
    unaries = {
        2: lambda: unary_from_labels(cue.reshape(-1), 2, gt_prob=0.7, zero_unsure=False),
        21: lambda: unary_from_softmax(probabilities.reshape(21, -1)),
    }
    c2am = {}
    if args.c2am_json:
        with open(args.c2am_json) as f:
            c2am = {(r["labels"], r["threads"]): r["ms"] for r in json.load(f)["rows"]}
    print(f"pydensecrf2 on {image.shape[1]}x{image.shape[0]}, 10 iterations, median of {args.repeats} runs\n")
    print(f"{'labels':>6} {'ms':>10} {'agreement':>10} {'mean|dQ|':>10} {'c2am 1 thread':>14} {'c2am/pydensecrf':>16}")
    rows = []
    for labels, unary in unaries.items():
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            q = run(image, unary, labels)
            times.append(1e3 * (time.perf_counter() - start))
        ours = np.load(f"{args.inputs}/c2am_q{labels}.npy").reshape(labels, -1)
        agreement = float(np.mean(ours.argmax(0) == q.argmax(0)))
        mean_dq = float(np.mean(np.abs(ours - q)))
        ms = statistics.median(times)
        single = c2am.get((labels, 1))
        shown = f"{single:.1f}" if single else "-"
        ratio = f"{single / ms:.2f}" if single else "-"
        print(f"{labels:>6} {ms:>10.1f} {agreement:>10.5f} {mean_dq:>10.2e} {shown:>14} {ratio:>16}")
        rows.append({"labels": labels, "ms": ms, "label_agreement": agreement, "mean_abs_q_difference": mean_dq,
                     "c2am_single_thread_ms": single})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"benchmark": "crf_bench_pydensecrf", "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
