"""pydensecrf.utils' unary helpers, with its signatures, computed by c2am's
C++ library (c2am/wsss/dense_crf.hpp)."""
import numpy as np

from .. import _core


def unary_from_labels(labels, n_labels, gt_prob, zero_unsure=True):
    """Unary energies (n_labels, pixels), float32, from a label map.

    Each pixel's label gets -log(gt_prob), the other labels
    -log((1 - gt_prob) / (n_labels - 1)). With zero_unsure (pydensecrf's
    default) label 0 means "unknown": labels 1..n_labels fill rows
    0..n_labels-1 and pixels labelled 0 get -log(1 / n_labels) for every
    label. Raises c2am.Error (a ValueError) unless 0 < gt_prob < 1, or naming
    the pixel of a label out of range.
    """
    return _core.densecrf.unary_from_labels(np.asarray(labels).reshape(-1), int(n_labels), float(gt_prob),
                                            bool(zero_unsure))


def unary_from_softmax(sm, scale=None, clip=1e-5):
    """Unary energies -log(p), float32 (classes, pixels), from probabilities
    `sm` with the classes first (further dimensions are flattened).

    scale (0 < scale <= 1) mixes with the uniform distribution first,
    scale * p + (1 - scale) / classes; clip (None: no clipping) clips the
    probabilities to [clip, 1]. Computed in float64 (pydensecrf computes in
    its input's precision, so float32 inputs may differ in the last bit).
    """
    return _core.densecrf.unary_from_softmax(np.asarray(sm), 1.0 if scale is None else float(scale),
                                             -1.0 if clip is None else float(clip))


__all__ = ["unary_from_labels", "unary_from_softmax"]
