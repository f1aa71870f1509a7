"""Linear Soft-NMS (the official single-scale COCO test) on hand-computed boxes, per class, and
wired into RefineDet's single-scale inference by `soft_nms_iou_threshold`."""

import pytest
import torch
from detectron2.structures import Boxes, Instances
from test_refinedet_model import SIZE, sample, tiny_model

from labeleff.projects.refinedet.soft_nms import soft_nms_instances, soft_nms_linear

# A; B = top half of A (IoU 0.5); C far away; D = A less a 0.5 strip (IoU 0.95 with A, 50/95
# with B)
BOXES = torch.tensor(
    [[0, 0, 10, 10], [0, 0, 10, 5], [20, 20, 30, 30], [0, 0, 10, 9.5]], dtype=torch.float32
)
SCORES = torch.tensor([0.9, 0.8, 0.7, 0.5])


def test_linear_decay_by_hand():
    keep, scores = soft_nms_linear(BOXES, SCORES, iou_threshold=0.3, score_threshold=0.01)
    # A kept; B 0.8 x 0.5 = 0.4, D 0.5 x 0.05 = 0.025; C (0.7) next, no overlap; B; D x (1 - 50/95)
    assert keep.tolist() == [0, 2, 1, 3]
    expected = [0.9, 0.7, 0.4, 0.025 * (1 - 50 / 95)]
    assert scores.tolist() == pytest.approx(expected, rel=1e-5)
    # D's final 0.0118 is below a 0.012 threshold: dropped; hard NMS at 0.3 would keep A and C only
    keep, _ = soft_nms_linear(BOXES, SCORES, iou_threshold=0.3, score_threshold=0.012)
    assert keep.tolist() == [0, 2, 1]


def test_overlaps_below_nt_are_untouched_and_classes_are_separate():
    # Nt 0.6: B (IoU 0.5 with A) and D against B (0.53) are untouched; only D against A (0.95)
    keep, scores = soft_nms_linear(BOXES, SCORES, iou_threshold=0.6, score_threshold=0.01)
    assert keep.tolist() == [0, 1, 2, 3]
    assert scores.tolist() == pytest.approx([0.9, 0.8, 0.7, 0.5 * 0.05], rel=1e-5)
    r = Instances((40, 40))
    r.pred_boxes, r.scores = Boxes(BOXES[:2]), SCORES[:2]
    r.pred_classes = torch.tensor([0, 1])  # A and B in different classes: no decay
    out = soft_nms_instances(r, 0.3, 0.01)
    assert out.scores.tolist() == pytest.approx([0.9, 0.8]) and out.pred_classes.tolist() == [0, 1]


def test_single_scale_inference_applies_it():
    model = tiny_model(soft_nms_iou_threshold=0.3).eval()
    plain = tiny_model().eval()
    image = sample([], [], 7)["image"]
    with torch.no_grad():
        got = model([{"image": image}])[0]["instances"]
        raw = plain([{"image": image}])[0]["instances"]  # the same weights (seeded), NMS only
        normalized = (image.float() - 128.0) / 64.0  # tiny_model's pixel mean and std
        want = soft_nms_instances(plain.detect(normalized[None])[0], 0.3, 0.01)
    want.pred_boxes.clip((SIZE, SIZE))  # as detector_postprocess does
    assert len(raw) > 0 and not torch.equal(got.scores, raw.scores)  # some box was decayed
    assert torch.allclose(got.scores, want.scores)
    assert torch.allclose(got.pred_boxes.tensor, want.pred_boxes.tensor)
    assert got.image_size == (SIZE, SIZE)
