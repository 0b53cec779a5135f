"""A pydensecrf script as WSSS code writes it (the C²AM release's cue CRF):
labels -> unary -> Gaussian + bilateral kernels -> 10 iterations -> labels.
test_densecrf.py runs it as written and with its two import lines changed to
c2am's, and compares what both print.

usage: pydensecrf_cues.py OUT.npy
"""
import sys

import numpy as np
import pydensecrf.densecrf as dcrf
from pydensecrf.utils import unary_from_labels, unary_from_softmax


def crf_inference_label(img, labels, t=10, n_labels=21, gt_prob=0.7):
    h, w = img.shape[:2]
    d = dcrf.DenseCRF2D(w, h, n_labels)
    unary = unary_from_labels(labels, n_labels, gt_prob=gt_prob, zero_unsure=False)
    d.setUnaryEnergy(unary)
    d.addPairwiseGaussian(sxy=3, compat=3)
    d.addPairwiseBilateral(sxy=50, srgb=5, rgbim=np.ascontiguousarray(np.copy(img)), compat=10)
    q = d.inference(t)
    return np.argmax(np.array(q).reshape((n_labels, h, w)), axis=0), np.array(q)


rng = np.random.default_rng(7)
yy, xx = np.mgrid[0:60, 0:80]
img = np.stack([40 + 0 * xx, 90 + 20 * np.sin(yy / 5.0), 60 + 0 * xx], -1).astype(np.float64)
inside = ((yy - 30) / 14.0) ** 2 + ((xx - 36) / 20.0) ** 2 <= 1
img[inside] = (210, 60, 50)
img = np.clip(img + rng.normal(0, 5, img.shape), 0, 255).astype(np.uint8)
labels = np.where(rng.random((60, 80)) < 0.2, rng.integers(0, 2, (60, 80)), inside.astype(np.int64))
fg_bg, q = crf_inference_label(img, labels, n_labels=2)
softmax = np.stack([1 - inside * 0.8, inside * 0.8 + 0.1])
softmax /= softmax.sum(0)
u = unary_from_softmax(softmax)
np.save(sys.argv[1], np.concatenate([q.ravel(), fg_bg.ravel().astype(np.float32), u.ravel()]))
print("foreground pixels:", int(fg_bg.sum()))
