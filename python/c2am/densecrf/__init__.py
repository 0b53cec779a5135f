"""Dense CRF with pydensecrf's API: replace

    import pydensecrf.densecrf as dcrf
    from pydensecrf.utils import unary_from_labels, unary_from_softmax

by

    import c2am.densecrf as dcrf
    from c2am.densecrf.utils import unary_from_labels, unary_from_softmax

and the rest of a script stays as it is. The subset provided is what WSSS
code uses: DenseCRF2D(w, h, n), setUnaryEnergy, addPairwiseGaussian,
addPairwiseBilateral, inference, with Potts compatibilities (a number),
DIAG_KERNEL and NORMALIZE_SYMMETRIC (pydensecrf's defaults), and one scale per
kernel (sxy a number or two equal numbers, srgb a number or three equal
numbers). Anything else raises c2am.Error (a ValueError) saying what is not
supported; addPairwiseEnergy, startInference/stepInference and klDivergence
are not provided.

Differences from pydensecrf: inference() returns a NumPy float32 array
(nlabels, w*h) where pydensecrf returns an Eigen matrix wrapper (np.array(Q)
works on both); unary energies and images of other dtypes or layouts are
converted (pydensecrf refuses them); non-finite unary energies are refused.
Results agree with pydensecrf's to float32 rounding (tests: python/tests).

batch_inference runs many images at once, on CPU threads or on one GPU.
"""
from .. import _core

DenseCRF2D = _core.densecrf.DenseCRF2D
CONST_KERNEL = _core.densecrf.CONST_KERNEL
DIAG_KERNEL = _core.densecrf.DIAG_KERNEL
FULL_KERNEL = _core.densecrf.FULL_KERNEL
NO_NORMALIZATION = _core.densecrf.NO_NORMALIZATION
NORMALIZE_BEFORE = _core.densecrf.NORMALIZE_BEFORE
NORMALIZE_AFTER = _core.densecrf.NORMALIZE_AFTER
NORMALIZE_SYMMETRIC = _core.densecrf.NORMALIZE_SYMMETRIC


def batch_inference(images, unaries, iterations=10, gaussian=(3.0, 3.0), bilateral=(50.0, 5.0, 10.0),
                    device="cpu"):
    """Q of every image after `iterations` mean-field updates, all at once.

    images: sequence of uint8 arrays (h_i, w_i, 3), RGB; sizes may differ.
    unaries: sequence of float32 arrays (nlabels, h_i * w_i), label-major, as
        setUnaryEnergy takes them; every image has the same nlabels.
    gaussian: (sxy, compat) of the Gaussian kernel over positions.
    bilateral: (sxy, srgb, compat) of the bilateral kernel over positions and RGB.
        The defaults are the C²AM release's background-cue kernels.
    device: "cpu" (images spread over threads) or "cuda"/"cuda:N" (one batched
        lattice per kernel on that GPU).

    Returns a list of float32 arrays (nlabels, h_i * w_i), equal on the CPU to
    running DenseCRF2D on each image with the same kernels.
    """
    images, unaries = list(images), list(unaries)
    if not unaries:
        return []
    labels = int(unaries[0].shape[0])
    g_sxy, g_compat = gaussian
    b_sxy, b_srgb, b_compat = bilateral
    return _core.densecrf.batch_inference(images, unaries, labels, int(iterations), float(g_sxy), float(g_compat),
                                          float(b_sxy), float(b_srgb), float(b_compat), str(device))


__all__ = ["DenseCRF2D", "batch_inference", "CONST_KERNEL", "DIAG_KERNEL", "FULL_KERNEL", "NO_NORMALIZATION",
           "NORMALIZE_BEFORE", "NORMALIZE_AFTER", "NORMALIZE_SYMMETRIC"]
