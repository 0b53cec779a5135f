"""Writes the image fixtures of test_data_images (tests/data/images/):

  resize_pil.safetensors  a random 41x29 RGB image and Pillow's resizes of it
                          (bilinear and bicubic, shrinking and enlarging), U8
                          tensors "source" and "<filter>_<W>x<H>" of shape [H, W, 3]
  cmyk.jpg                a CMYK JPEG (as found in ImageNet), 16x12, solid
                          colour, to check how the decoder treats it
  gray.png, gray_alpha.png, rgba.png, palette.png, rgb.bmp
                          2x2 images in other layouts; the test knows their pixels
  png_named.JPEG          a PNG under a JPEG name

Needs Pillow, numpy and safetensors from the Python index:

    python3 -m pip install pillow numpy safetensors
    python3 tools/make_image_fixtures.py
"""
import pathlib

import numpy as np
from PIL import Image
from safetensors.numpy import save_file

out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "images"
out.mkdir(parents=True, exist_ok=True)

rng = np.random.default_rng(7)
source = rng.integers(0, 256, size=(29, 41, 3), dtype=np.uint8)
# A smooth ramp in one corner so resizing is not only noise.
source[:10, :10, 0] = np.arange(10, dtype=np.uint8)[None, :] * 25
tensors = {"source": source}
image = Image.fromarray(source, "RGB")
for name, resample in (("bilinear", Image.BILINEAR), ("bicubic", Image.BICUBIC)):
    for w, h in ((20, 14), (7, 5), (64, 48), (41, 60), (1, 1), (100, 13), (60, 20), (45, 28), (20, 60), (40, 30), (41, 29)):
        tensors[f"{name}_{w}x{h}"] = np.asarray(image.resize((w, h), resample))
save_file(tensors, str(out / "resize_pil.safetensors"))

Image.new("CMYK", (16, 12), (0, 255, 255, 0)).save(out / "cmyk.jpg", quality=95)
Image.fromarray(np.array([[0, 85], [170, 255]], np.uint8), "L").save(out / "gray.png")
Image.fromarray(np.array([[[10, 255], [20, 0]], [[30, 128], [40, 255]]], np.uint8), "LA").save(out / "gray_alpha.png")
rgba = np.array([[[255, 0, 0, 255], [0, 255, 0, 0]], [[0, 0, 255, 128], [1, 2, 3, 4]]], np.uint8)
Image.fromarray(rgba, "RGBA").save(out / "rgba.png")
palette = Image.fromarray(np.array([[0, 1], [1, 0]], np.uint8), "P")
palette.putpalette([200, 100, 50, 5, 6, 7] + [0] * 762)
palette.save(out / "palette.png")
Image.fromarray(rgba[:, :, :3], "RGB").save(out / "rgb.bmp")
Image.fromarray(rgba[:, :, :3], "RGB").save(out / "png_named.JPEG", format="PNG")
print("wrote", sorted(p.name for p in out.iterdir()))
