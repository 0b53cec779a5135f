"""Writes safetensors files with the reference Python implementation
(the `safetensors` package from the Python index):

  tests/fuzz/corpus/safetensors/*  seed inputs for the fuzz target
  tests/data/python_written.safetensors  read back by test_safetensors

Values are simple formulas (documented in the test) so the C++ test checks
them without trusting either implementation.

    python3 -m pip install safetensors numpy
    python3 tools/safetensors_seeds.py
"""
import pathlib

import numpy as np
from safetensors.numpy import save, save_file

root = pathlib.Path(__file__).resolve().parent.parent
corpus = root / "tests" / "fuzz" / "corpus" / "safetensors"
corpus.mkdir(parents=True, exist_ok=True)

# Read back by the C++ test: value = index / 8 - 1 in every dtype that
# represents it exactly, int64 = 3 * index - 5.
index = np.arange(24)
reference = {
    "f32": (index / 8 - 1).astype(np.float32).reshape(2, 3, 4),
    "f64": (index / 8 - 1).astype(np.float64).reshape(4, 6),
    "f16": (index / 8 - 1).astype(np.float16).reshape(24),
    "i64": (3 * index - 5).astype(np.int64).reshape(6, 4),
    "u8": index.astype(np.uint8).reshape(3, 8),
    "empty": np.zeros((0, 3), dtype=np.float32),
}
save_file(reference, str(root / "tests" / "data" / "python_written.safetensors"), metadata={"writer": "python"})

seeds = {
    "reference.safetensors": save(reference, metadata={"writer": "python"}),
    "single_f32.safetensors": save({"w": np.ones((2, 2), np.float32)}),
    "f16_only.safetensors": save({"h": np.array([1, -2, 65504, 0], np.float16)}),
    "scalar.safetensors": save({"n": np.array(7, np.int64)}),
    "empty_header.safetensors": save({}),
}
for name, data in seeds.items():
    (corpus / name).write_bytes(data)
# A few damaged variants to start the fuzzer near the interesting edges.
base = seeds["reference.safetensors"]
(corpus / "truncated.safetensors").write_bytes(base[: len(base) // 2])
(corpus / "header_only.safetensors").write_bytes(base[: 8 + int.from_bytes(base[:8], "little")])
print(f"wrote {len(list(corpus.iterdir()))} corpus files")
