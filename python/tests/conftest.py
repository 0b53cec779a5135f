"""Shared helpers of the Python module's tests (run by CTest `python`)."""
import os
import pathlib

import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("C2AM_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
DATA = SOURCE_DIR / "tests" / "data"


@pytest.fixture(scope="session")
def data_dir():
    return DATA


def blobs_image(rng, h, w):
    """Coloured ellipses on a textured background, and their label map."""
    yy, xx = np.mgrid[0:h, 0:w]
    image = np.stack([60 + 40 * np.sin(xx / 3.0), 80 + 30 * np.cos(yy / 4.0), 100 + 0 * xx], -1)
    labels = np.zeros((h, w), np.uint8)
    for k, colour in enumerate([(220, 40, 40), (40, 200, 60)]):
        cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.2 + 0.5 * k, 0.3 + 0.5 * k) * w
        ry, rx = rng.uniform(0.15, 0.3) * h, rng.uniform(0.1, 0.2) * w
        inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
        image[inside] = colour
        labels[inside] = k + 1
    return np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8), labels
