"""Arrays cross into c2am without copies: NumPy through the buffer protocol,
torch through DLPack."""
import gc

import numpy as np
import pytest

import c2am
from c2am import _core


def test_numpy_round_trip_shares_memory():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    y = _core._view(x)
    assert isinstance(y, np.ndarray) and np.shares_memory(x, y)
    x[1, 2] = -5
    assert y[1, 2] == -5
    t = x.T  # strided view: kept strided, still shared
    z = _core._view(t)
    assert np.shares_memory(x, z) and np.array_equal(z, t)
    del x, t
    gc.collect()
    assert y[1, 2] == -5 and z[2, 1] == -5  # the views keep the memory alive


def test_numpy_dtypes():
    for dtype in (np.float32, np.float64, np.uint8, np.int32, np.int64):
        x = np.ones((2, 2), dtype)
        assert _core._view(x).dtype == dtype
    with pytest.raises(c2am.Error, match="dtype float16"):
        _core._view(np.ones(3, np.float16))
    swapped = np.arange(4, dtype=">f4")  # big-endian: copied into native order
    assert np.array_equal(_core._view(swapped), np.arange(4))


def test_torch_round_trip_shares_memory():
    torch = pytest.importorskip("torch")
    if not _core.dlpack:
        pytest.skip("built without dlpack.h")
    x = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    y = _core._view(x)
    assert isinstance(y, torch.Tensor) and y.data_ptr() == x.data_ptr()
    x[0, 1] = 7
    assert y[0, 1] == 7
    t = x.t()
    z = _core._view(t)
    assert z.stride() == t.stride() and z.data_ptr() == t.data_ptr() and torch.equal(z, t)
    del x, t
    gc.collect()
    assert y[0, 1] == 7 and z[1, 0] == 7


@pytest.mark.skipif(not c2am.cuda_available(), reason="no GPU")
def test_torch_cuda_round_trip_shares_memory():
    torch = pytest.importorskip("torch")
    x = torch.arange(6, dtype=torch.float32, device="cuda").reshape(2, 3) * 2
    y = _core._view(x)
    assert y.is_cuda and y.data_ptr() == x.data_ptr()
    assert torch.equal(y, x)
