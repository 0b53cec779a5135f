"""c2am.densecrf against pydensecrf (the pydensecrf2 package from the Python
index, the dense CRF the C²AM release calls): same calls, same Q."""
import numpy as np
import pytest

import c2am
import c2am.densecrf as dcrf
from c2am.densecrf.utils import unary_from_labels, unary_from_softmax
from conftest import blobs_image

pydensecrf = pytest.importorskip("pydensecrf.densecrf")
pd_utils = pytest.importorskip("pydensecrf.utils")


def release_crf(module, image, unary, iterations, gaussian=(3, 3), bilateral=(50, 5, 10)):
    """The release's crf_inference_label, written against `module`."""
    h, w = image.shape[:2]
    d = module.DenseCRF2D(w, h, unary.shape[0])
    d.setUnaryEnergy(unary)
    d.addPairwiseGaussian(sxy=gaussian[0], compat=gaussian[1])
    d.addPairwiseBilateral(sxy=bilateral[0], srgb=bilateral[1], rgbim=np.ascontiguousarray(np.copy(image)),
                           compat=bilateral[2])
    return np.array(d.inference(iterations))


@pytest.mark.parametrize("size,labels,iterations", [((36, 48), 3, 10), ((57, 41), 2, 1), ((64, 80), 4, 5)])
def test_same_q_as_pydensecrf_from_labels(size, labels, iterations):
    rng = np.random.default_rng(size[0] * 100 + labels)
    image, label_map = blobs_image(rng, *size)
    label_map = np.minimum(label_map, labels - 1)
    unary = pd_utils.unary_from_labels(label_map, labels, gt_prob=0.7, zero_unsure=False)
    ours = release_crf(dcrf, image, unary, iterations)
    theirs = release_crf(pydensecrf, image, unary, iterations)
    assert ours.shape == theirs.shape == (labels, size[0] * size[1])
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-5)
    assert (ours.argmax(0) == theirs.argmax(0)).mean() > 0.999


def test_same_q_as_pydensecrf_from_softmax():
    rng = np.random.default_rng(5)
    image, _ = blobs_image(rng, 40, 30)
    logits = rng.normal(0, 2, (3, 40, 30))
    softmax = np.exp(logits) / np.exp(logits).sum(0)
    unary = pd_utils.unary_from_softmax(softmax)
    ours = release_crf(dcrf, image, unary, 10, gaussian=(2, 4), bilateral=(30, 13, 6))
    theirs = release_crf(pydensecrf, image, unary, 10, gaussian=(2, 4), bilateral=(30, 13, 6))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-5)


def test_recorded_fixtures(data_dir):
    safetensors = pytest.importorskip("safetensors.numpy")
    for path in sorted((data_dir / "crf").glob("*.safetensors")):
        from safetensors import safe_open
        with safe_open(str(path), "np") as f:
            meta = f.metadata()
        tensors = safetensors.load_file(str(path))
        g_sxy, g_w = (float(v) for v in meta["gaussian"].split(","))
        b_sxy, b_srgb, b_w = (float(v) for v in meta["bilateral"].split(","))
        for iterations in (1, 10):
            q = release_crf(dcrf, tensors["image"], tensors["unary"], iterations, (g_sxy, g_w), (b_sxy, b_srgb, b_w))
            np.testing.assert_allclose(q, tensors["q%d" % iterations], rtol=0, atol=2e-5, err_msg=path.name)


def test_utils_equal_pydensecrf():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 4, (13, 17))
    for zero_unsure, n in ((True, 3), (False, 4)):
        np.testing.assert_array_equal(unary_from_labels(labels, n, 0.7, zero_unsure),
                                      pd_utils.unary_from_labels(labels, n, 0.7, zero_unsure))
    sm = rng.dirichlet(np.ones(5), size=(6, 7)).transpose(2, 0, 1)
    sm[0, 0, 0] = 0.0
    for probabilities in (sm, sm.astype(np.float32)):
        for scale, clip in ((None, 1e-5), (0.8, 1e-5), (None, None), (1.0, 0.01)):
            ours = unary_from_softmax(probabilities, scale=scale, clip=clip)
            theirs = pd_utils.unary_from_softmax(probabilities, scale=scale, clip=clip)
            assert ours.dtype == theirs.dtype == np.float32 and ours.shape == theirs.shape
            if probabilities.dtype == np.float64:  # the same float64 arithmetic, then float32
                np.testing.assert_array_equal(ours, theirs)
            else:  # pydensecrf takes -log in float32, c2am in float64: the last bit may differ
                np.testing.assert_allclose(ours, theirs, rtol=2e-7, atol=0)
    with pytest.raises(c2am.Error, match="scale must be in"):
        unary_from_softmax(sm, scale=1.5)


def batch_inputs(seed, sizes):
    """Pictures of the given (h, w) sizes and their two-label unaries."""
    rng = np.random.default_rng(seed)
    images, unaries = [], []
    for h, w in sizes:
        image, labels = blobs_image(rng, h, w)
        images.append(image)
        unaries.append(unary_from_labels(np.minimum(labels, 1), 2, 0.7, zero_unsure=False))
    return images, unaries


def test_batch_equals_one_by_one():
    images, unaries = batch_inputs(8, ((30, 40), (25, 33), (48, 20)))
    batch = dcrf.batch_inference(images, unaries, iterations=10)
    assert len(batch) == 3
    for image, unary, q in zip(images, unaries, batch):
        np.testing.assert_allclose(q, release_crf(dcrf, image, unary, 10), rtol=0, atol=1e-6)


def test_unsupported_and_bad_inputs_are_named():
    d = dcrf.DenseCRF2D(4, 3, 2)
    with pytest.raises(ValueError, match="Bad shape for unary energy"):
        d.setUnaryEnergy(np.zeros((2, 11), np.float32))
    with pytest.raises(c2am.Error, match="matrix compatibilities are not supported"):
        d.addPairwiseGaussian(sxy=3, compat=np.eye(2, dtype=np.float32))
    with pytest.raises(c2am.Error, match="different values per axis"):
        d.addPairwiseGaussian(sxy=(3, 4), compat=3)
    with pytest.raises(c2am.Error, match="only NORMALIZE_SYMMETRIC"):
        d.addPairwiseGaussian(sxy=3, compat=3, normalization=dcrf.NORMALIZE_BEFORE)
    with pytest.raises(c2am.Error, match="image of 5x3 for a CRF of 4x3"):
        d.addPairwiseBilateral(sxy=3, srgb=3, rgbim=np.zeros((3, 5, 3), np.uint8), compat=3)
    unary = np.zeros((2, 12), np.float32)
    unary[1, 7] = np.nan
    with pytest.raises(c2am.Error, match="label 1, pixel 7"):
        d.setUnaryEnergy(unary)
    with pytest.raises(c2am.Error, match="label 5 at pixel 1 is outside"):
        unary_from_labels(np.array([0, 5]), 3, 0.7, zero_unsure=False)
    with pytest.raises(c2am.Error, match="label 4 at pixel 0 is outside"):
        unary_from_labels(np.array([4, 0]), 3, 0.7, zero_unsure=True)
    with pytest.raises(c2am.Error, match="gt_prob must be in"):
        unary_from_labels(np.array([0, 1]), 3, 1.0)


def test_a_pydensecrf_script_runs_with_only_its_imports_changed(tmp_path):
    import os
    import pathlib
    import subprocess
    import sys
    script = pathlib.Path(__file__).with_name("scripts") / "pydensecrf_cues.py"
    text = script.read_text()
    changed = text.replace("import pydensecrf.densecrf as dcrf", "import c2am.densecrf as dcrf").replace(
        "from pydensecrf.utils import", "from c2am.densecrf.utils import")
    assert sum(a != b for a, b in zip(text.splitlines(), changed.splitlines())) == 2
    (tmp_path / "c2am_cues.py").write_text(changed)
    env = dict(os.environ)
    runs = {}
    for name, path in (("pydensecrf", script), ("c2am", tmp_path / "c2am_cues.py")):
        out = tmp_path / (name + ".npy")
        printed = subprocess.run([sys.executable, str(path), str(out)], check=True, capture_output=True, text=True,
                                 env=env).stdout
        runs[name] = (printed, np.load(out))
    assert runs["c2am"][0] == runs["pydensecrf"][0]
    np.testing.assert_allclose(runs["c2am"][1], runs["pydensecrf"][1], rtol=0, atol=2e-5)


def test_numpy_scalars_and_the_methods_outside_the_subset():
    rng = np.random.default_rng(9)
    image, labels = blobs_image(rng, 20, 30)
    unary = unary_from_labels(np.minimum(labels, 1), 2, 0.7, zero_unsure=False)
    plain = release_crf(dcrf, image, unary, 5)
    d = dcrf.DenseCRF2D(30, 20, 2)
    d.setUnaryEnergy(unary)
    d.addPairwiseGaussian(sxy=np.int64(3), compat=np.float32(3))  # hyperparameters from np.arange and the like
    d.addPairwiseBilateral(sxy=np.float64(50), srgb=(np.int64(5),) * 3, rgbim=image, compat=np.int64(10))
    np.testing.assert_array_equal(np.array(d.inference(5)), plain)
    for method in ("addPairwiseEnergy", "setUnary", "startInference", "stepInference", "klDivergence"):
        with pytest.raises(c2am.Error, match=method + " is not supported by c2am"):
            getattr(d, method)(np.zeros((2, 600), np.float32))
    with pytest.raises(c2am.Error, match=r"got shape \(20, 30, 4\)"):
        d.addPairwiseBilateral(sxy=3, srgb=3, rgbim=np.zeros((20, 30, 4), np.uint8), compat=3)
    with pytest.raises(c2am.Error, match="sxy must be a number or 2 numbers"):
        d.addPairwiseGaussian(sxy="3", compat=3)


@pytest.mark.skipif(not c2am.cuda_available(), reason="no GPU")
def test_batch_on_the_gpu_equals_the_cpu():
    images, unaries = batch_inputs(10, ((40, 60), (33, 25), (64, 48)))
    cpu = dcrf.batch_inference(images, unaries, iterations=10, device="cpu")
    gpu = dcrf.batch_inference(images, unaries, iterations=10, device="cuda")
    for q_cpu, q_gpu in zip(cpu, gpu):
        np.testing.assert_allclose(q_gpu, q_cpu, rtol=0, atol=1e-4)
        assert (q_gpu.argmax(0) == q_cpu.argmax(0)).mean() > 0.999
