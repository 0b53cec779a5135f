"""WSOL boxes and evaluation over NumPy score maps.

Two protocols, each equal to its reference code on the same inputs
(docs/wsol.md):
  "wsolevaluation"  clovaai/wsolevaluation (MaxBoxAccV2; the default)
  "release"         the C²AM release's own WSOL test (GT-known at IoU > 0.5)

Three levels:
  compute_bboxes_from_scoremaps  wsolevaluation's function of that name
  BoxEvaluator                   wsolevaluation's BoxEvaluator (accumulate/compute),
                                 MaxBoxAcc in percent as it returns them
  evaluate                       maps at any resolution + boxes in image pixels
                                 -> every figure, as fractions in [0, 1] (the
                                 keys of `c2am wsol eval --maps --json`)
"""
import numpy as np

from . import _core

Evaluator = _core.wsol.Evaluator
IOU_THRESHOLDS = (30, 50, 70)


def compute_bboxes_from_scoremaps(scoremap, scoremap_threshold_list, multi_contour_eval=False,
                                  protocol="wsolevaluation"):
    """Boxes of `scoremap` (H, W, values in [0, 1]) at each threshold.

    As wsolevaluation's function: the map times 255 truncated to uint8, pixels
    above int(threshold * its maximum), borders from OpenCV's
    findContours(RETR_TREE); multi_contour_eval gives every border's box, else
    the largest border's; (0, 0, 0, 0) when nothing passes. Boxes are
    (x0, y0, x1, y1) in map pixels, x1/y1 inclusive (capped at W-1, H-1).

    Returns (boxes, counts): per threshold an int array (K, 4) and K.
    """
    thresholds = [float(t) for t in scoremap_threshold_list]
    boxes, counts = _core.wsol.compute_bboxes_from_scoremaps(np.asarray(scoremap), thresholds,
                                                             bool(multi_contour_eval), protocol)
    return boxes, counts


def upsample_scoremap(scoremap, width, height, input_size=0):
    """wsolevaluation's map for an image: float64, OpenCV-exact bicubic resize
    to (width, height) (or input_size x input_size when input_size > 0), then
    min-max normalized (a constant map becomes zeros). Returns (h, w) float64."""
    return _core.wsol.upsample(np.asarray(scoremap), int(width), int(height), int(input_size))


class BoxEvaluator:
    """wsolevaluation's BoxEvaluator on maps and boxes given directly.

    accumulate(scoremap, gt_boxes): scoremap (H, W) in [0, 1] at the
    evaluation size (wsolevaluation: 224 x 224, upsampled and normalized);
    gt_boxes (K, 4) in the same pixels (coordinates truncated to integers, as
    its metadata loader reads them). compute() returns MaxBoxAcc per IoU
    threshold (30, 50, 70) in percent, multi-contour or single-contour as
    chosen; the mean of the multi-contour values is MaxBoxAccV2.

    Only wsolevaluation's defaults are supported: IoU thresholds (30, 50, 70)
    and a CAM curve interval of 0.01; others raise ValueError.
    """

    def __init__(self, iou_threshold_list=IOU_THRESHOLDS, cam_curve_interval=0.01, multi_contour_eval=True):
        if tuple(iou_threshold_list) != IOU_THRESHOLDS:
            raise ValueError("BoxEvaluator: c2am supports iou_threshold_list (30, 50, 70), got %r"
                             % (iou_threshold_list,))
        if cam_curve_interval != 0.01:
            raise ValueError("BoxEvaluator: c2am supports cam_curve_interval 0.01, got %r" % (cam_curve_interval,))
        self.iou_threshold_list = list(IOU_THRESHOLDS)
        self.cam_threshold_list = list(_core.wsol.box_acc_thresholds())
        self.multi_contour_eval = bool(multi_contour_eval)
        self._evaluator = Evaluator("wsolevaluation")

    def accumulate(self, scoremap, gt_boxes):
        self._evaluator.add(np.asarray(scoremap), np.asarray(gt_boxes, dtype=np.float64))

    @property
    def cnt(self):
        return self._evaluator.images

    def box_acc(self):
        """Per IoU threshold, the accuracy (percent) at each CAM threshold,
        computed as wsolevaluation computes it: correct images * 100 / images."""
        curves = self._evaluator.box_acc() if self.multi_contour_eval else self._evaluator.single_box_acc()
        images = max(self.cnt, 1)
        return {iou: np.rint(np.asarray(c) * images) * 100.0 / images for iou, c in zip(self.iou_threshold_list, curves)}

    def compute(self):
        return [float(c.max()) for c in self.box_acc().values()]


def evaluate(scoremaps, gt_boxes, image_sizes, protocol="wsolevaluation", input_size=None, resize=None, crop=None,
             thresholds=None):
    """Scores maps of any method against ground-truth boxes.

    scoremaps: sequence of (h, w) arrays in [0, 1], one per image, any size.
    gt_boxes: sequence of (K_i, 4) arrays (x0, y0, x1, y1) in image pixels.
    image_sizes: sequence of (width, height) in pixels.
    protocol: "wsolevaluation": each map upsampled bicubically to its image
        (or, input_size > 0, to input_size² with boxes resized, wsolevaluation's
        end-to-end protocol); "release": maps of the resize² image's centre
        crop² (the release's test: resize 480, crop 448 unless given), boxes
        scaled by crop / map width. Options of the other protocol are refused.
        Boxes that are empty or lie wholly outside their image are refused;
        boxes sticking out give a UserWarning.
    thresholds: the single-box sweep (default: the protocol's).

    Returns a dict of fractions in [0, 1]: images, max_box_acc_v2,
    max_box_acc {"0.3", "0.5", "0.7"}, gt_known_loc and gt_known_threshold
    (the first best of the single-box sweep), curves (box_acc_thresholds,
    box_acc, single_box_thresholds, single_box_acc). Raises c2am.Error naming
    the image on NaN or out-of-range maps, or an image without a box.
    """
    if protocol == "release" and input_size is not None:
        raise ValueError("wsol.evaluate: input_size belongs to the wsolevaluation protocol, not the release's")
    if protocol == "wsolevaluation" and (resize is not None or crop is not None):
        raise ValueError("wsol.evaluate: resize and crop belong to the release protocol, not wsolevaluation's")
    input_size = 0 if input_size is None else input_size
    resize = 480 if resize is None else resize
    crop = 448 if crop is None else crop
    evaluator = Evaluator(protocol, [] if thresholds is None else [float(t) for t in thresholds])
    scoremaps, gt_boxes, image_sizes = list(scoremaps), list(gt_boxes), list(image_sizes)
    if not len(scoremaps) == len(gt_boxes) == len(image_sizes):
        raise ValueError("wsol.evaluate: %d maps, %d box sets, %d image sizes"
                         % (len(scoremaps), len(gt_boxes), len(image_sizes)))
    for scoremap, boxes, (width, height) in zip(scoremaps, gt_boxes, image_sizes):
        evaluator.add_image(np.asarray(scoremap), np.asarray(boxes, dtype=np.float64), int(width), int(height),
                            int(input_size), int(resize), int(crop))
    return results(evaluator)


def results(evaluator):
    """The figures of an Evaluator as evaluate() returns them."""
    known = evaluator.gt_known()
    best = int(np.argmax(known)) if known else 0
    # The release reports threshold 0 when no image is ever located.
    never_located = evaluator.protocol == "release" and (not known or known[best] == 0)
    deltas = ("0.3", "0.5", "0.7")
    return {
        "protocol": evaluator.protocol,
        "values": "fractions in [0, 1]",
        "images": evaluator.images,
        "max_box_acc_v2": evaluator.max_box_acc_v2(),
        "max_box_acc": dict(zip(deltas, evaluator.max_box_acc())),
        "gt_known_loc": known[best] if known else 0.0,
        "gt_known_threshold": 0.0 if never_located or not known else evaluator.thresholds[best],
        "curves": {
            "box_acc_thresholds": list(_core.wsol.box_acc_thresholds()),
            "box_acc": dict(zip(deltas, evaluator.box_acc())),
            "single_box_thresholds": list(evaluator.thresholds),
            "single_box_acc": dict(zip(deltas, evaluator.single_box_acc())),
        },
    }


__all__ = ["compute_bboxes_from_scoremaps", "upsample_scoremap", "BoxEvaluator", "Evaluator", "evaluate", "results"]
