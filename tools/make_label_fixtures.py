"""Writes tests/data/labels/: label-map PNGs of every layout users save
segmentation labels in, and what Pillow — the reference code's reader —
gives for each as np.array(Image.open(path)).

  <name>.png   the label map
  labels.json  {"pillow", "numpy", "cases": [{"file", "mode", "h", "w",
               "channels", "values"} or {"file", "error": true}]}: "values"
               row-major (channels interleaved), as Pillow decodes them;
               "error": a file c2am must refuse (colour at 16 bits, a JPEG,
               a truncated PNG)

Pillow writes the layouts it can write; the others (gray at 2 and 4 bits,
gray + alpha, palette with transparency, Adam7 interlacing) are written
here chunk by chunk, and Pillow reads them all back for the expected values.

Needs numpy and pillow from the Python index (see tools/README.md):

    .venv-tools/bin/pip install numpy pillow
    .venv-tools/bin/python tools/make_label_fixtures.py [--out DIR]
"""

import argparse
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import PIL
from PIL import Image

H, W = 5, 7


def voc_palette():
    palette = []
    for i in range(256):
        c = [0, 0, 0]
        index = i
        for shift in range(7, -1, -1):
            for ch in range(3):
                c[ch] |= ((index >> ch) & 1) << shift
            index >>= 3
        palette += c
    return palette


def ids(values):
    rng = np.random.default_rng(7)
    return rng.choice(values, size=(H, W))


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(path, rows, color_type, depth, extra=b"", interlace=0):
    """rows: list of bytes per scanline (already packed); interlace=1 takes
    the 7 Adam7 passes as a list of row lists instead."""
    header = struct.pack(">IIBBBBB", W, H, depth, color_type, 0, 0, interlace)
    if interlace:
        data = b"".join(b"\x00" + r for rows_of_pass in rows for r in rows_of_pass)
    else:
        data = b"".join(b"\x00" + r for r in rows)
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + extra + chunk(b"IDAT", zlib.compress(data)) + chunk(b"IEND", b"")
    path.write_bytes(body)


def pack(values, depth):
    """One row of samples packed at `depth` bits, most significant first."""
    if depth == 8:
        return bytes(int(v) for v in values)
    if depth == 16:
        return b"".join(struct.pack(">H", int(v)) for v in values)
    per_byte = 8 // depth
    out = bytearray()
    for start in range(0, len(values), per_byte):
        byte = 0
        group = list(values[start:start + per_byte])
        group += [0] * (per_byte - len(group))
        for v in group:
            byte = (byte << depth) | int(v)
        out.append(byte)
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def adam7_passes(grid, depth):
    passes = []
    for x0, y0, dx, dy in ADAM7:
        rows = []
        for y in range(y0, H, dy):
            xs = list(range(x0, W, dx))
            if xs:
                rows.append(pack([grid[y][x] for x in xs], depth))
        passes.append(rows)
    return passes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "tests/data/labels"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    palette = voc_palette()
    voc = [0, 3, 15, 20, 255]

    p8 = Image.fromarray(ids(voc).astype(np.uint8), mode="P")
    p8.putpalette(palette)
    p8.save(out / "palette8.png")
    p4 = Image.fromarray(ids([0, 3, 9, 15]).astype(np.uint8), mode="P")
    p4.putpalette(palette[:48])
    p4.save(out / "palette4.png", bits=4)
    p1 = Image.fromarray(ids([0, 1]).astype(np.uint8), mode="P")
    p1.putpalette(palette[:6])
    p1.save(out / "palette1.png", bits=1)
    Image.fromarray(ids(voc).astype(np.uint8), mode="L").save(out / "gray8.png")
    Image.fromarray(ids([0, 15, 255, 300, 65535]).astype(np.uint16)).save(out / "gray16.png")
    Image.fromarray(ids([0, 15, 255]).astype(np.uint16)).save(out / "gray16_voc.png")  # a VOC mask at 16 bits
    Image.fromarray(ids([0, 1]).astype(bool)).save(out / "gray1.png")
    colours = np.array(palette, dtype=np.uint8).reshape(256, 3)
    Image.fromarray(colours[ids(voc)], mode="RGB").save(out / "colour.png")
    rgba = np.concatenate([colours[ids(voc)], np.full((H, W, 1), 200, np.uint8)], axis=2)
    Image.fromarray(rgba, mode="RGBA").save(out / "colour_alpha.png")

    grid4 = ids(list(range(16)))
    raw_png(out / "gray4.png", [pack(r, 4) for r in grid4], 0, 4)
    grid2 = ids([0, 1, 2, 3])
    raw_png(out / "gray2.png", [pack(r, 2) for r in grid2], 0, 2)
    ga = ids(voc)
    raw_png(out / "gray_alpha.png", [bytes(b for v in r for b in (int(v), 77)) for r in ga], 4, 8)
    pt = ids(voc)
    plte = chunk(b"PLTE", bytes(palette))
    raw_png(out / "palette_trns.png", [pack(r, 8) for r in pt], 3, 8, plte + chunk(b"tRNS", bytes([0] + [255] * 255)))
    pi = ids(voc)
    raw_png(out / "palette_interlaced.png", adam7_passes(pi, 8), 3, 8, plte, interlace=1)
    gi = ids([0, 15, 255, 300])
    raw_png(out / "gray16_interlaced.png", adam7_passes(gi, 16), 0, 16, b"", interlace=1)

    # Refused: colour at 16 bits, a JPEG, a truncated PNG.
    raw_png(out / "colour16.png", [b"".join(struct.pack(">HHH", 1, 2, 3) for _ in range(W)) for _ in range(H)], 2, 16)
    Image.fromarray(ids(voc).astype(np.uint8), mode="L").save(out / "labels.jpg", quality=95)
    whole = (out / "gray8.png").read_bytes()
    (out / "truncated.png").write_bytes(whole[: len(whole) - 30])

    cases = []
    for name in ["palette8", "palette4", "palette1", "palette_trns", "palette_interlaced", "gray8", "gray16",
                 "gray16_voc", "gray16_interlaced", "gray1", "gray2", "gray4", "gray_alpha", "colour", "colour_alpha"]:
        image = Image.open(out / f"{name}.png")
        array = np.array(image)
        if array.ndim == 3 and array.shape[2] in (2, 4):
            array = array[:, :, :-1]  # alpha dropped, as c2am drops it
        channels = 1 if array.ndim == 2 else array.shape[2]
        if channels == 1 and array.ndim == 3:
            array = array[:, :, 0]
        cases.append({"file": f"{name}.png", "mode": image.mode, "h": H, "w": W, "channels": channels,
                      "values": [int(v) for v in array.astype(np.int64).reshape(-1)]})
    for name in ["colour16.png", "labels.jpg", "truncated.png"]:
        cases.append({"file": name, "error": True})
    (out / "labels.json").write_text(json.dumps({"pillow": PIL.__version__, "numpy": np.__version__, "cases": cases},
                                                indent=1) + "\n")


if __name__ == "__main__":
    main()
