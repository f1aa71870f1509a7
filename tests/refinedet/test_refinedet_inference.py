"""Two-step decoding, ARM score filtering and the per-class NMS of RefineDet inference."""

import math

import torch

from labeleff.projects.refinedet.anchors import build_box_coder
from labeleff.projects.refinedet.inference import (
    decode_two_step,
    detect_single_image,
    odm_scores,
    topk_per_class,
)

CODER = build_box_coder((0.1, 0.2))


def test_two_step_decode_by_hand():
    anchors = torch.tensor([[0.0, 0.0, 32.0, 32.0]])
    ln2 = math.log(2)
    # ARM: centre x + 1 * 0.1 * 32 = 19.2, height x exp(0.2 * 5 ln 2) = 2 -> 64.
    arm = torch.tensor([[1.0, 0.0, 0.0, 5 * ln2]])
    # ODM on the refined box: centre y + 2.5 * 0.1 * 64 = 32, width x exp(0.2 * -5 ln 2) = 0.5.
    odm = torch.tensor([[0.0, 2.5, -5 * ln2, 0.0]])
    refined, boxes = decode_two_step(anchors, arm, odm, CODER)
    assert torch.allclose(refined, torch.tensor([[3.2, -16.0, 35.2, 48.0]]), atol=1e-4)
    assert torch.allclose(boxes, torch.tensor([[11.2, 0.0, 27.2, 64.0]]), atol=1e-4)


def test_scores_zeroed_where_arm_objectness_low():
    arm = torch.tensor([[0.0, math.log(0.009 / 0.991)], [0.0, 0.0]])  # objectness 0.009, 0.5
    odm = torch.tensor([[1.0, 2.0, 0.0], [1.0, 2.0, 0.0]])
    scores = odm_scores(arm, odm, 0.01)
    assert scores.shape == (2, 2)
    assert torch.all(scores[0] == 0)
    assert torch.allclose(scores[1], torch.softmax(odm[1], 0)[:2])


def test_topk_per_class():
    scores = torch.tensor([0.9, 0.1, 0.8, 0.7, 0.6, 0.5])
    classes = torch.tensor([0, 0, 1, 0, 1, 1])
    kept = topk_per_class(scores, classes, 2)
    assert sorted(kept.tolist()) == [0, 2, 3, 4]


def test_detect_single_image_nms_per_class_and_threshold():
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 0.0, 11.0, 10.0], [50.0, 50.0, 60.0, 60.0]])
    scores = torch.tensor([[0.9, 0.005], [0.8, 0.7], [0.3, 0.0]])
    r = detect_single_image(boxes, scores, (100, 100), 0.01, 0.45, 1000, 500)
    # Class 0: box 1 overlaps box 0 (IoU 0.82) -> suppressed; box 2 kept. Class 1: only box 1
    # (box 0's 0.005 is under the threshold), not suppressed by another class.
    got = sorted(zip(r.pred_classes.tolist(), [round(s, 3) for s in r.scores.tolist()]))
    assert got == [(0, 0.3), (0, 0.9), (1, 0.7)]
    r2 = detect_single_image(boxes, scores, (100, 100), 0.01, 0.45, 1000, 2)
    assert r2.scores.tolist() == [r.scores[0].item(), r.scores[1].item()]
