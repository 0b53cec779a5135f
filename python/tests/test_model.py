"""c2am.Model on a model trained by the command line: the same maps as
`c2am maps`, batches equal to single images, torch in -> torch out."""
import os
import pathlib
import subprocess

import numpy as np
import pytest

import c2am

CLI = pathlib.Path(os.environ.get("C2AM_CLI", ""))
TINY = "--backbone resnet18 --base-width 4 --batch 8 --resize 72 --crop 64 --no-progress".split()
MEAN = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    if not CLI.is_file():
        pytest.skip("the c2am command is not built (C2AM_CLI)")
    out = tmp_path_factory.mktemp("model") / "run"
    subprocess.run([str(CLI), "train", "--data", "synthetic:16", "--epochs", "1", "--out", str(out)] + TINY,
                   check=True, capture_output=True)
    return out / "model.safetensors"


def test_activation_map_equals_cli(trained, tmp_path):
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (30, 50, 3), dtype=np.uint8)
    (tmp_path / "images").mkdir()
    cv2.imwrite(str(tmp_path / "images" / "a.png"), image[..., ::-1])  # OpenCV writes BGR
    subprocess.run([str(CLI), "maps", "--weights", str(trained), "--data", str(tmp_path / "images"), "--size", "64",
                    "--out", str(tmp_path / "maps"), "--no-progress"], check=True, capture_output=True)
    expected = np.load(tmp_path / "maps" / "a.npy")
    model = c2am.Model(trained)
    ours = model.activation_map(image, input_size=64)
    assert ours.shape == (30, 50) and ours.dtype == np.float32
    np.testing.assert_array_equal(ours, expected)
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(model.activation_map(torch.from_numpy(image), input_size=64), expected)


def test_maps_of_a_batch(trained):
    model = c2am.Model.load(trained)
    assert model.depth == 18 and model.base_width == 4 and model.device == "cpu"
    rng = np.random.default_rng(1)
    images = ((rng.random((3, 3, 64, 64), dtype=np.float32) - MEAN) / STD).astype(np.float32)
    maps = model.maps(images)
    assert isinstance(maps, np.ndarray) and maps.shape[:2] == (3, 1) and maps.dtype == np.float32
    assert ((maps >= 0) & (maps <= 1)).all()
    for i in range(3):
        np.testing.assert_allclose(model.maps(images[i:i + 1])[0], maps[i], rtol=0, atol=1e-6)
    with pytest.raises(c2am.Error, match="must be float32 or float64, normalized"):
        model.maps((images * 0).astype(np.uint8))
    torch = pytest.importorskip("torch")
    as_torch = model.maps(torch.from_numpy(images))
    assert isinstance(as_torch, torch.Tensor)
    np.testing.assert_allclose(as_torch.numpy(), maps, rtol=0, atol=1e-6)


def test_bad_files_are_named(tmp_path):
    with pytest.raises(c2am.Error, match="absent.safetensors"):
        c2am.Model(tmp_path / "absent.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file")
    with pytest.raises(c2am.Error, match="junk.safetensors.*not a safetensors file"):
        c2am.Model(junk)


@pytest.mark.skipif(not c2am.cuda_available(), reason="no GPU")
def test_maps_on_the_gpu_equal_the_cpu(trained):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    images = ((rng.random((2, 3, 64, 64), dtype=np.float32) - MEAN) / STD).astype(np.float32)
    cpu = c2am.Model(trained).maps(images)
    on_gpu = c2am.Model(trained, device="cuda").maps(torch.from_numpy(images).cuda())
    assert on_gpu.is_cuda  # stays on the device, through DLPack
    np.testing.assert_allclose(on_gpu.cpu().numpy(), cpu, rtol=0, atol=1e-4)
