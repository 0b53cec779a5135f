"""Writes tests/data/jpeg/: JPEG variants met in real datasets, and the
pixels Pillow — the reference code's decoder (Image.open(path).convert('RGB'),
libjpeg-turbo underneath) — gives for each, or the fact that it refuses it.

  <name>.jpg    the file
  <name>.rgb    Pillow's pixels, row-major RGB bytes (h * w * 3), when it decodes it
  jpeg.json     {"pillow", "libjpeg_turbo", "cases": [{"file", "w", "h", "pixels"} or
                {"file", "error"}]}: "error" is Pillow's message

Variants: baseline at 4:2:0, 4:2:2 and 4:4:4, progressive, optimized Huffman
tables, restart markers, gray, CMYK (Adobe, inverted, as Photoshop and
Pillow write it), an EXIF orientation tag (ignored: the release does not
rotate), 1x1, an odd-sized photo-like picture; damaged: extraneous bytes
before a marker (accepted, with libjpeg's warning), a truncated file, a file
with no scan, a scan with corrupt entropy-coded data.

Needs numpy and pillow from the Python index (see tools/README.md):

    .venv-tools/bin/pip install numpy pillow
    .venv-tools/bin/python tools/make_jpeg_fixtures.py [--out DIR]
"""

import argparse
import io
import json
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, features


def picture(w, h, seed):
    """Smooth gradients, an edge-rich disc and noise: every DCT block differs."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    r = 128 + 100 * np.sin(x / 4.0 + seed)
    g = 128 + 90 * np.cos((x + y) / 6.0)
    b = 60 + 2.5 * y
    img = np.stack([r, g, b], -1)
    img[(x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(w, h) * 0.3) ** 2] = [230, 40, 40]
    return np.clip(img + rng.integers(-20, 21, img.shape), 0, 255).astype(np.uint8)


def jpeg_bytes(image, **options):
    buf = io.BytesIO()
    image.save(buf, "JPEG", **options)
    return buf.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "tests/data/jpeg"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    rgb = Image.fromarray(picture(45, 29, 1))
    files = {
        "baseline_420": jpeg_bytes(rgb, quality=90, subsampling=2),
        "baseline_422": jpeg_bytes(rgb, quality=90, subsampling=1),
        "baseline_444": jpeg_bytes(rgb, quality=95, subsampling=0),
        "progressive": jpeg_bytes(rgb, quality=85, progressive=True),
        "optimized": jpeg_bytes(rgb, quality=75, optimize=True),
        "restart_markers": jpeg_bytes(rgb, quality=90, restart_marker_blocks=1),
        "gray": jpeg_bytes(rgb.convert("L"), quality=90),
        "cmyk": jpeg_bytes(rgb.convert("CMYK"), quality=90),
        "one_pixel": jpeg_bytes(Image.fromarray(picture(1, 1, 2)), quality=90),
        "photo_odd": jpeg_bytes(Image.fromarray(picture(203, 131, 3)), quality=92),
    }
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    files["exif_rotated"] = jpeg_bytes(rgb, quality=90, exif=exif.tobytes())
    good = files["baseline_420"]
    files["extraneous_bytes"] = good[:-2] + b"\x12\x34" + good[-2:]
    files["truncated"] = good[: len(good) * 2 // 3]
    first_scan = good.find(b"\xff\xda")
    files["no_scan"] = good[:first_scan] + b"\xff\xd9"
    corrupt = bytearray(files["photo_odd"])
    scan = corrupt.find(b"\xff\xda")
    for i in range(scan + 200, scan + 260, 7):
        corrupt[i] = 0xFF if corrupt[i] != 0xFF else 0x00
        corrupt[i + 1] = 0xD0 + (i % 8)  # stray RST markers inside the entropy-coded data
    files["corrupt_scan"] = bytes(corrupt)

    cases = []
    for name, data in files.items():
        (out / f"{name}.jpg").write_bytes(data)
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
            pixels = np.array(image.convert("RGB"))
        except Exception as e:  # Pillow's refusal is the expected verdict
            cases.append({"file": f"{name}.jpg", "error": str(e)})
            continue
        (out / f"{name}.rgb").write_bytes(pixels.tobytes())
        cases.append({"file": f"{name}.jpg", "w": pixels.shape[1], "h": pixels.shape[0], "pixels": f"{name}.rgb"})
    (out / "jpeg.json").write_text(json.dumps({"pillow": PIL.__version__, "libjpeg_turbo": features.version("libjpeg_turbo"),
                                               "cases": cases}, indent=1) + "\n")


if __name__ == "__main__":
    main()
