"""Writes tests/data/opencv/*.json: what OpenCV returns for the two calls of
the wsolevaluation code that c2am re-implements without OpenCV.

  resize_cubic.json  cv2.resize(src, (dst_w, dst_h), interpolation=cv2.INTER_CUBIC)
                     on 2-D float64 maps (float32 values widened to float64,
                     as the evaluation code hands them over)
  contours.json      cv2.findContours(mask, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
                     on binary uint8 masks, with cv2.contourArea and
                     cv2.boundingRect of every contour, in OpenCV's list order

resize_cubic.json: {"opencv", "numpy", "encoding", "cases": [{"name", "src_h",
"src_w", "dst_h", "dst_w", "src", "dst"}]}; "src" and "dst" are row-major and
every float64 is a string of 16 hex digits, its IEEE 754 bits (the uint64
written big-endian, as printf("%016llx") would), so the comparison can be
bit-exact.

contours.json: {"opencv", "numpy", "cases": [{"name", "h", "w", "fg", "mask",
"contours": [{"points": [[x, y], ...], "area", "rect": [x, y, w, h]}],
"hierarchy": [[next, previous, first_child, parent], ...], "max_area_first"}]};
"mask" is h*w characters '0'/'1' in row-major order, "fg" the value OpenCV was
given for the '1' pixels (1 or 255); "max_area_first" is the index of the first
contour of largest area (what Python's max(contours, key=cv2.contourArea)
picks), -1 for no contour. Areas are multiples of 0.5, exact in JSON.

Needs numpy and opencv-python-headless from the Python index, which the
project itself does not use (see tools/README.md):

    python3 -m venv .venv-tools
    .venv-tools/bin/pip install numpy opencv-python-headless
    .venv-tools/bin/python tools/make_opencv_fixtures.py [--out DIR]

The inputs depend on numpy's generator only (fixed seed), not on OpenCV, so
running this under another OpenCV version shows whether its answers differ.
"""
import argparse
import json
import pathlib
import struct

import cv2
import numpy as np

rng = np.random.default_rng(20240607)


def bits(value):
    """The IEEE 754 bits of a float64 as 16 hex digits."""
    return struct.pack(">d", float(value)).hex()


def float32_map(h, w):
    """Uniform [0, 1) values rounded to float32 then widened, like a CAM
    computed in float32 and converted with astype(np.float64)."""
    return rng.uniform(size=(h, w)).astype(np.float32).astype(np.float64)


# ----------------------------------------------------------------------------
# resize, INTER_CUBIC
# ----------------------------------------------------------------------------


def resize_cases():
    """(name, src, dst_h, dst_w); the output is capped at a few thousand
    values per case so that the file stays small."""
    cases = []
    add = lambda name, src, dh, dw: cases.append((name, src, dh, dw))

    # Tiny sources: most taps of the 4x4 kernel fall on the replicated border.
    add("1x1_to_5x7", float32_map(1, 1), 5, 7)
    add("1x5_to_3x20", float32_map(1, 5), 3, 20)
    add("5x1_to_20x3", float32_map(5, 1), 20, 3)
    add("2x2_to_9x9", float32_map(2, 2), 9, 9)
    add("3x7_to_13x29", float32_map(3, 7), 13, 29)
    add("1x5_to_1x1", float32_map(1, 5), 1, 1)

    # The evaluation's scale factors (7, 14 and 28 to 224 or 448). The kernel is
    # separable, so the full 224-wide tables are exercised one axis at a time
    # with a short other axis; 28x28 -> 224x224 would alone be 50k values.
    add("7x7_to_224x5", float32_map(7, 7), 224, 5)
    add("7x7_to_5x224", float32_map(7, 7), 5, 224)
    add("14x7_to_448x3", float32_map(14, 7), 448, 3)
    add("7x14_to_3x448", float32_map(7, 14), 3, 448)
    add("28x5_to_224x4", float32_map(28, 5), 224, 4)
    add("5x28_to_4x224", float32_map(5, 28), 4, 224)
    add("7x7_to_28x28", float32_map(7, 7), 28, 28)
    add("14x14_to_56x21", float32_map(14, 14), 56, 21)

    # Down-scaling (no anti-aliasing in INTER_CUBIC) and equal sizes.
    add("30x30_to_7x7", float32_map(30, 30), 7, 7)
    add("56x56_to_14x14", float32_map(56, 56), 14, 14)
    add("20x56_to_5x13", float32_map(20, 56), 5, 13)
    add("28x14_to_5x3", float32_map(28, 14), 5, 3)
    add("11x31_to_1x1", float32_map(11, 31), 1, 1)
    add("13x17_identity", float32_map(13, 17), 13, 17)
    add("13x17_to_13x40_rows_kept", float32_map(13, 17), 13, 40)
    add("13x17_to_29x17_columns_kept", float32_map(13, 17), 29, 17)

    # Exact structure: the kernel's impulse response (negative lobes, and
    # values above 1), constants (the four weights sum to exactly one and
    # products of float32 values with them are exact, so the output should be
    # the constant) and ramps (cubic overshoot next to the replicated border).
    impulse = np.zeros((5, 5))
    impulse[2, 2] = 1.0
    add("impulse_5x5_to_20x20", impulse, 20, 20)
    impulse7 = np.zeros((7, 7))
    impulse7[0, 6] = 1.0
    add("corner_impulse_7x7_to_32x32", impulse7, 32, 32)
    add("constant_7x7_to_31x17", np.full((7, 7), float(np.float32(0.3))), 31, 17)
    add("constant_one_6x4_to_9x25", np.ones((6, 4)), 9, 25)
    ramp = np.add.outer(np.arange(6.0), np.arange(9.0)) / 13.0
    add("ramp_6x9_to_40x25", ramp.astype(np.float32).astype(np.float64), 40, 25)
    add("ramp_1x7_to_1x224", np.arange(7.0)[None, :] / 6.0, 1, 224)

    # Random sizes: source sides 1..56, target sides 1..300, at most 500
    # values each (so long thin targets appear as well as small squares).
    while len(cases) < 44:
        sh, sw = (int(v) for v in rng.integers(1, 57, size=2))
        dh, dw = (int(v) for v in rng.integers(1, 301, size=2))
        if sh * sw > 500 or dh * dw > 500:
            continue
        add(f"random_{sh}x{sw}_to_{dh}x{dw}", float32_map(sh, sw), dh, dw)
    return cases


def write_resize(path):
    cases = []
    for name, src, dh, dw in resize_cases():
        src = np.ascontiguousarray(src, dtype=np.float64)
        dst = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_CUBIC)
        assert dst.dtype == np.float64 and dst.shape == (dh, dw), (name, dst.shape)
        cases.append({"name": name, "src_h": src.shape[0], "src_w": src.shape[1], "dst_h": dh, "dst_w": dw,
                      "src": [bits(v) for v in src.ravel()], "dst": [bits(v) for v in dst.ravel()]})
    write_json(path, {"opencv": cv2.__version__, "numpy": np.__version__,
                      "encoding": "ieee754-binary64-hex-bits"}, cases)


# ----------------------------------------------------------------------------
# findContours, RETR_TREE, CHAIN_APPROX_SIMPLE
# ----------------------------------------------------------------------------


def parse(rows):
    """A mask from strings of '.' (0) and '#' (1), for hand-drawn cases."""
    return np.array([[c == "#" for c in row] for row in rows], np.uint8)


def smooth_blobs(h, w, passes):
    """Noise blurred by repeated 3x3 box filters (numpy only, so the masks do
    not depend on the OpenCV version that runs this)."""
    field = rng.uniform(size=(h, w))
    for _ in range(passes):
        p = np.pad(field, 1, mode="edge")
        field = sum(p[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / 9.0
    # Rank-normalize so that a threshold t keeps about a fraction 1 - t.
    return field.argsort(axis=None).argsort().reshape(h, w) / (h * w)


def contour_masks():
    """(name, mask of 0/1)."""
    masks = []
    add = lambda name, m: masks.append((name, np.asarray(m, np.uint8)))

    add("empty_6x7", np.zeros((6, 7)))
    add("full_5x8", np.ones((5, 8)))
    add("full_1x1", np.ones((1, 1)))
    add("empty_1x1", np.zeros((1, 1)))
    add("full_1x9", np.ones((1, 9)))
    add("full_9x1", np.ones((9, 1)))
    add("row_1x12", [[1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1]])
    add("column_10x1", np.array([[1, 0, 1, 1, 1, 0, 0, 1, 1, 0]]).T)
    add("single_pixels", parse(["#....#..",
                                "........",
                                "...#....",
                                ".......#",
                                "#.#....."]))
    # Equal areas: the list order decides which one a max() keeps.
    add("twin_squares_side_by_side", parse(["..........",
                                            ".##...##..",
                                            ".##...##..",
                                            ".........."]))
    add("twin_squares_stacked", parse(["....",
                                       ".##.",
                                       ".##.",
                                       "....",
                                       ".##.",
                                       ".##.",
                                       "...."]))
    add("twin_squares_staggered", parse(["......###.",
                                         ".###..###.",
                                         ".###..###.",
                                         ".###......"]))
    add("twin_lines_and_pixel", parse(["###...###", ".........", "....#...."]))
    # 8-connectivity of the foreground: diagonal steps join pixels.
    add("diagonal_chain", parse(["#.....",
                                 ".#....",
                                 "..#...",
                                 "..#...",
                                 "...#.#",
                                 "....#."]))
    add("diagonal_x", parse(["#...#",
                             ".#.#.",
                             "..#..",
                             ".#.#.",
                             "#...#"]))
    add("diagonal_squares", parse(["##....",
                                   "##....",
                                   "..##..",
                                   "..##..",
                                   "....##"]))
    # Holes (4-connected background) and what sits in them.
    add("ring_7x7_in_9x9", np.pad(np.pad(np.zeros((5, 5)), 1, constant_values=1), 1))
    ring_island = np.pad(np.pad(np.zeros((5, 5)), 1, constant_values=1), 1)
    ring_island[4, 4] = 1
    add("ring_with_island", ring_island)
    add("nested_three_levels", parse(["...........",
                                      ".#########.",
                                      ".#.......#.",
                                      ".#.#####.#.",
                                      ".#.#...#.#.",
                                      ".#.#.#.#.#.",
                                      ".#.#...#.#.",
                                      ".#.#####.#.",
                                      ".#.......#.",
                                      ".#########.",
                                      "..........."]))
    add("two_holes_with_islands", parse(["##############",
                                         "#.....##.....#",
                                         "#.###.##.##..#",
                                         "#.#.#.##.##..#",
                                         "#.###.##.....#",
                                         "#.....##.#...#",
                                         "##############",
                                         "..............",
                                         "...####.......",
                                         "...#..#.......",
                                         "...####......."]))
    add("thick_ring", np.pad(np.pad(np.zeros((3, 4)), 3, constant_values=1), 1))
    add("holes_touching_diagonally", parse(["########",
                                            "#..#####",
                                            "#..#####",
                                            "###..###",
                                            "###..###",
                                            "########"]))
    add("one_pixel_holes", parse(["#######",
                                  "#.#.###",
                                  "###.#.#",
                                  "#######"]))
    add("hole_open_to_border", parse(["#####",
                                      "#...#",
                                      "#...#",
                                      "##.##"]))
    # Shapes on the image border: OpenCV pads the image with background.
    add("frame_on_border", np.pad(np.zeros((4, 6)), 1, constant_values=1))
    add("cross_touching_all_borders", parse(["...#...",
                                             "...#...",
                                             "#######",
                                             "...#...",
                                             "...#..."]))
    add("corners", parse(["#....#", "......", "#....#"]))
    add("full_but_center", parse(["#####", "#####", "##.##", "#####"]))
    add("checkerboard_8x8", np.indices((8, 8)).sum(0) % 2 == 0)
    add("checkerboard_odd_7x5", np.indices((7, 5)).sum(0) % 2 == 1)
    add("checkerboard_2x2_blocks_8x10", (np.indices((8, 10)) // 2).sum(0) % 2 == 0)
    add("thin_lines", parse(["##########",
                             "..........",
                             "#.#.......",
                             "#..#......",
                             "#...#.....",
                             "#....####.",
                             "#.........",
                             ".........#"]))
    add("l_and_u_shapes", parse(["#.....#.#.",
                                 "#.....#.#.",
                                 "#.....###.",
                                 "####......"]))
    add("staircase", np.tril(np.ones((9, 9))))
    add("spiral", parse(["#########",
                         "........#",
                         ".######.#",
                         ".#....#.#",
                         ".#.##.#.#",
                         ".#..#.#.#",
                         ".####.#.#",
                         "......#.#",
                         "########."]))

    # Thresholded smooth noise at several thresholds (as the evaluation sweeps
    # thresholds over one map), pure noise, and 1xN / Nx1 noise.
    for h, w, passes in ((40, 40, 3), (23, 31, 2), (16, 9, 1), (33, 12, 4)):
        field = smooth_blobs(h, w, passes)
        for t in (0.3, 0.6, 0.85):
            add(f"blobs_{h}x{w}_t{t}", field >= t)
    while len(masks) < 62:
        h, w = (int(v) for v in rng.integers(1, 41, size=2))
        if len(masks) % 4 == 0:
            h = 1
        elif len(masks) % 4 == 1:
            w = 1
        add(f"noise_{h}x{w}", rng.uniform(size=(h, w)) < rng.uniform(0.2, 0.8))
    return masks


def write_contours(path):
    cases = []
    for i, (name, mask) in enumerate(contour_masks()):
        # The evaluation thresholds to 0/255; 1 must give the same answer.
        fg = 1 if i % 3 == 0 else 255
        contours, hierarchy = cv2.findContours(mask * np.uint8(fg), cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)[-2:]
        entries = [{"points": c.reshape(-1, 2).tolist(), "area": float(cv2.contourArea(c)),
                    "rect": list(cv2.boundingRect(c))} for c in contours]
        areas = [e["area"] for e in entries]
        cases.append({"name": name, "h": mask.shape[0], "w": mask.shape[1], "fg": fg,
                      "mask": "".join("1" if v else "0" for v in mask.ravel()),
                      "contours": entries,
                      "hierarchy": [] if hierarchy is None else hierarchy.reshape(-1, 4).tolist(),
                      "max_area_first": areas.index(max(areas)) if areas else -1})
    write_json(path, {"opencv": cv2.__version__, "numpy": np.__version__}, cases)


def write_json(path, header, cases):
    """One case per line: small and still readable in a diff."""
    compact = lambda v: json.dumps(v, separators=(",", ":"))
    lines = [f"{compact(k)}:{compact(v)}" for k, v in header.items()]
    body = ",\n".join(compact(c) for c in cases)
    path.write_text("{" + ",\n".join(lines) + ',\n"cases":[\n' + body + "\n]}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "opencv")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    write_resize(out / "resize_cubic.json")
    write_contours(out / "contours.json")


if __name__ == "__main__":
    main()
