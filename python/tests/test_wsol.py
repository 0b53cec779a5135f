"""c2am.wsol on the reference fixture tests/data/wsol-reference, whose numbers
were printed by wsolevaluation's and the C²AM release's own code
(tests/data/wsol-reference/README.md): counts and boxes equal, figures to
float rounding."""
import json

import numpy as np
import pytest

import c2am
from c2am import wsol


@pytest.fixture(scope="module")
def fixture(data_dir):
    root = data_dir / "wsol-reference"
    sizes, boxes = {}, {}
    for line in (root / "images.tsv").read_text().splitlines()[1:]:
        fields = line.split("\t")
        sizes[fields[0]] = (int(fields[1]), int(fields[2]))
    for line in (root / "boxes.tsv").read_text().splitlines()[1:]:
        fields = line.split("\t")
        boxes.setdefault(fields[0], []).append([float(v) for v in fields[1:5]])
    ids = sorted(sizes)
    maps = {i: np.load(root / "maps" / (i + ".npy")) for i in ids}
    return {
        "ids": ids, "sizes": sizes, "boxes": boxes, "maps": maps,
        "wsolevaluation": json.loads((root / "wsolevaluation.json").read_text()),
        "release": json.loads((root / "release.json").read_text()),
    }


def counts(curve, images):
    return [int(round(v * images)) for v in curve]


@pytest.mark.parametrize("multi", [True, False])
def test_box_evaluator_at_image_size(fixture, multi):
    ref = fixture["wsolevaluation"]["at_image_size"]["multi_contour" if multi else "single_contour"]
    fed = fixture["wsolevaluation"]["at_image_size"]["gt_boxes_as_fed"]
    evaluator = wsol.BoxEvaluator(multi_contour_eval=multi)
    for i in fixture["ids"]:
        width, height = fixture["sizes"][i]
        evaluator.accumulate(wsol.upsample_scoremap(fixture["maps"][i], width, height), np.array(fed[i]))
    assert evaluator.cnt == 60
    for delta, curve in evaluator.box_acc().items():
        assert counts(curve / 100, 60) == ref["num_correct"][str(delta)]
    # count * 100 / images, as wsolevaluation computes it: equal to the last bit
    assert evaluator.compute() == [ref["max_box_acc"][d] for d in ("30", "50", "70")]
    if multi:
        assert abs(np.mean(evaluator.compute()) - ref["max_box_acc_v2"]) < 1e-10


@pytest.mark.filterwarnings("ignore:.*sticks out")  # the fixture's boxes cross borders on purpose
def test_evaluate_end_to_end_224(fixture):
    ref = fixture["wsolevaluation"]["at_224"]
    ids = fixture["ids"]
    result = wsol.evaluate([fixture["maps"][i] for i in ids], [fixture["boxes"][i] for i in ids],
                           [fixture["sizes"][i] for i in ids], input_size=224)
    assert result["images"] == 60 and result["values"] == "fractions in [0, 1]"
    assert abs(100 * result["max_box_acc_v2"] - ref["multi_contour"]["max_box_acc_v2"]) < 1e-10
    for delta, key in (("30", "0.3"), ("50", "0.5"), ("70", "0.7")):
        assert counts(result["curves"]["box_acc"][key], 60) == ref["multi_contour"]["num_correct"][delta]
        assert counts(result["curves"]["single_box_acc"][key], 60) == ref["single_contour"]["num_correct"][delta]
    assert result["curves"]["box_acc_thresholds"] == fixture["wsolevaluation"]["cam_thresholds"]


@pytest.mark.filterwarnings("ignore:.*sticks out")
@pytest.mark.parametrize("run", ["S448", "S450"])
def test_evaluate_release_protocol(fixture, run):
    ref = fixture["release"]["runs"][run]
    ids = fixture["ids"]
    result = wsol.evaluate([fixture["maps"][i] for i in ids], [fixture["boxes"][i] for i in ids],
                           [fixture["sizes"][i] for i in ids], protocol="release", resize=480, crop=ref["crop"])
    assert result["curves"]["single_box_thresholds"] == fixture["release"]["thresholds"]
    assert counts(result["curves"]["single_box_acc"]["0.5"], 60) == ref["correct"]
    assert abs(100 * result["gt_known_loc"] - ref["gt_known"]) < 1e-10
    assert result["gt_known_threshold"] == ref["best_threshold"]


def test_boxes_at_named_thresholds(fixture):
    block = fixture["wsolevaluation"]["at_image_size"]
    for multi, key in ((True, "multi_contour"), (False, "single_contour")):
        for i in fixture["ids"]:
            width, height = fixture["sizes"][i]
            upsampled = wsol.upsample_scoremap(fixture["maps"][i], width, height)
            assert list(upsampled.shape) == block[key]["per_image"][i]["map_shape"]
            named = ["0.2", "0.5", "0.8"]
            boxes, number = wsol.compute_bboxes_from_scoremaps(upsampled, [float(t) for t in named], multi)
            for t, found, count in zip(named, boxes, number):
                expected = block[key]["per_image"][i][t]["boxes"]
                assert found.tolist() == expected, (i, t, key)
                assert count == len(expected)


def test_bad_maps_are_named(fixture):
    bad = fixture["maps"]["0000"].astype(np.float64).copy()
    bad[1, 2] = np.nan
    with pytest.raises(c2am.Error, match="image 0"):
        wsol.evaluate([bad], [[[1, 1, 5, 5]]], [(60, 40)])
    with pytest.raises(c2am.Error, match="no ground-truth box"):
        wsol.evaluate([fixture["maps"]["0000"]], [np.zeros((0, 4))], [(60, 40)])
    with pytest.raises(c2am.Error, match="2-D array"):
        wsol.evaluate([np.zeros((2, 3, 4))], [[[1, 1, 5, 5]]], [(60, 40)])
    with pytest.raises(ValueError, match="cam_curve_interval"):
        wsol.BoxEvaluator(cam_curve_interval=0.05)


def test_release_reports_threshold_zero_when_nothing_is_located():
    scoremap = np.zeros((8, 8), np.float32)
    scoremap[:2, :2] = 1  # the object is in the opposite corner
    result = wsol.evaluate([scoremap], [[[300, 300, 470, 470]]], [(480, 480)], protocol="release")
    assert result["gt_known_loc"] == 0 and result["gt_known_threshold"] == 0
    located = wsol.evaluate([scoremap], [[[16, 16, 128, 128]]], [(480, 480)], protocol="release")
    assert located["gt_known_loc"] == 1 and located["gt_known_threshold"] == 0.05


def test_options_of_the_other_protocol_and_bad_boxes_are_refused(fixture):
    scoremap = fixture["maps"]["0000"]
    with pytest.raises(ValueError, match="input_size belongs to the wsolevaluation protocol"):
        wsol.evaluate([scoremap], [[[1, 1, 5, 5]]], [(60, 40)], protocol="release", input_size=224)
    with pytest.raises(ValueError, match="resize and crop belong to the release protocol"):
        wsol.evaluate([scoremap], [[[1, 1, 5, 5]]], [(60, 40)], crop=448)
    with pytest.raises(c2am.Error, match="crop <= resize"):
        wsol.evaluate([scoremap], [[[1, 1, 5, 5]]], [(60, 40)], protocol="release", resize=400, crop=448)
    with pytest.raises(c2am.Error, match="is empty"):
        wsol.evaluate([scoremap], [[[5, 1, 1, 5]]], [(60, 40)])
    with pytest.raises(c2am.Error, match="lies wholly outside"):
        wsol.evaluate([scoremap], [[[70, 1, 90, 5]]], [(60, 40)])
    with pytest.warns(UserWarning, match="sticks out of"):
        wsol.evaluate([scoremap], [[[50, 1, 65, 5]]], [(60, 40)])
    with pytest.raises(c2am.Error, match=r"got shape \(1, 5\)"):
        wsol.evaluate([scoremap], [[[1, 1, 5, 5, 0]]], [(60, 40)])
