"""Writes tests/data/crf/*.safetensors: small images, unaries and the Q of the
`pydensecrf2` package (the dense CRF the release calls) after 1 and 10
mean-field iterations, which test_dense_crf compares with c2am's DenseCRF.

Each file holds U8 "image" [H, W, 3], F32 "unary" [M, H*W], F32 "q1" and
"q10" [M, H*W]; its metadata names the kernels ("gaussian": "sxy,w",
"bilateral": "sxy,srgb,w").

    python3 -m pip install pydensecrf2 numpy safetensors
    python3 tools/make_crf_fixtures.py
"""
import pathlib

import numpy as np
import pydensecrf.densecrf as dcrf
from pydensecrf.utils import unary_from_labels, unary_from_softmax
from safetensors.numpy import save_file

out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "crf"
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(11)


def blobs(h, w):
    """Two or three coloured ellipses on a textured background."""
    yy, xx = np.mgrid[0:h, 0:w]
    image = np.stack([60 + 40 * np.sin(xx / 3.0), 80 + 30 * np.cos(yy / 4.0), 100 + 0 * xx], -1)
    labels = np.zeros((h, w), np.uint8)
    for k, colour in enumerate([(220, 40, 40), (40, 200, 60)]):
        cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.25 + 0.5 * k - 0.1, 0.25 + 0.5 * k + 0.1) * w
        ry, rx = rng.uniform(0.15, 0.3) * h, rng.uniform(0.1, 0.2) * w
        inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
        image[inside] = colour
        labels[inside] = 1
    image = np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)
    return image, labels


def run(name, image, unary, gaussian, bilateral):
    h, w = image.shape[:2]
    m = unary.shape[0]
    results = {}
    for iterations in (1, 10):
        d = dcrf.DenseCRF2D(w, h, m)
        d.setUnaryEnergy(np.ascontiguousarray(unary))
        d.addPairwiseGaussian(sxy=gaussian[0], compat=gaussian[1])
        d.addPairwiseBilateral(sxy=bilateral[0], srgb=bilateral[1], rgbim=np.ascontiguousarray(image), compat=bilateral[2])
        # Q comes back column-major; safetensors writes the raw buffer, so make it C-ordered.
        results[f"q{iterations}"] = np.ascontiguousarray(np.array(d.inference(iterations)), dtype=np.float32)
    save_file({"image": np.ascontiguousarray(image), "unary": np.ascontiguousarray(unary, dtype=np.float32), **results}, str(out / f"{name}.safetensors"),
              metadata={"gaussian": f"{gaussian[0]},{gaussian[1]}",
                        "bilateral": f"{bilateral[0]},{bilateral[1]},{bilateral[2]}"})


# The release's background cues: hard labels with gt_prob 0.7, two labels.
image, labels = blobs(36, 48)
noisy = np.where(rng.uniform(size=labels.shape) < 0.15, 1 - labels, labels)
run("cues_36x48", image, unary_from_labels(noisy, 2, gt_prob=0.7, zero_unsure=False), (3, 3), (50, 5, 10))
# The release's other helper: softmax unaries over three labels.
image, _ = blobs(30, 40)
probabilities = rng.dirichlet(np.ones(3), size=30 * 40).T.astype(np.float32)
run("softmax_30x40", image, unary_from_softmax(probabilities), (3, 3), (80, 13, 10))
print(sorted(p.name for p in out.iterdir()))
