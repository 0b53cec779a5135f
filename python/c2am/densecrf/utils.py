"""pydensecrf.utils' unary helpers, with the same signatures and results."""
import numpy as np


def unary_from_labels(labels, n_labels, gt_prob, zero_unsure=True):
    """Unary energies (n_labels, pixels), float32, from a label map.

    Each pixel's label gets -log(gt_prob), the other labels
    -log((1 - gt_prob) / (n_labels - 1)). With zero_unsure (pydensecrf's
    default) label 0 means "unknown": labels are shifted down by one and
    pixels labelled 0 get -log(1 / n_labels) for every label. Raises
    ValueError unless 0 < gt_prob < 1 or when a label is out of range.
    """
    if not 0 < gt_prob < 1:
        raise ValueError("unary_from_labels: gt_prob must be in (0, 1), got %r" % (gt_prob,))
    labels = np.asarray(labels).flatten()
    index = labels - 1 if zero_unsure else labels
    known = labels != 0 if zero_unsure else np.ones(labels.shape, dtype=bool)
    if labels.size and (index[known].min(initial=0) < 0 or index[known].max(initial=0) >= n_labels):
        raise ValueError("unary_from_labels: labels must lie in [%d, %d], got values from %d to %d"
                         % (1 if zero_unsure else 0, n_labels if zero_unsure else n_labels - 1,
                            labels.min(), labels.max()))
    n_energy = -np.log((1.0 - gt_prob) / (n_labels - 1))
    p_energy = -np.log(gt_prob)
    energy = np.full((n_labels, labels.size), n_energy, dtype=np.float32)
    pixels = np.arange(labels.size)
    energy[index[known], pixels[known]] = p_energy
    if zero_unsure:
        energy[:, ~known] = -np.log(1.0 / n_labels)
    return energy


def unary_from_softmax(sm, scale=None, clip=1e-5):
    """Unary energies -log(p), float32 (classes, pixels), from probabilities
    `sm` with the classes first (any number of further dimensions, flattened).

    scale (0 < scale <= 1) mixes with the uniform distribution first:
    scale * sm + (1 - scale) / classes; clip floors the probabilities.
    """
    sm = np.asarray(sm)
    classes = sm.shape[0]
    if scale is not None:
        if not 0 < scale <= 1:
            raise ValueError("unary_from_softmax: scale must be in (0, 1], got %r" % (scale,))
        sm = scale * sm + (1 - scale) * (np.ones(sm.shape) / classes)
    if clip is not None:
        sm = np.clip(sm, clip, 1.0)
    return -np.log(sm).reshape([classes, -1]).astype(np.float32)


__all__ = ["unary_from_labels", "unary_from_softmax"]
