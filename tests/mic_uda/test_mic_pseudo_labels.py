"""Pseudo-label filtering: exact score threshold, NMS, empty images."""

import pytest
import torch
from detectron2.structures import Boxes, Instances

from labeleff.projects.mic_uda.pseudo_labels import filter_pseudo_labels


def _det(boxes, scores, classes, size=(100, 100)):
    inst = Instances(size)
    inst.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4))
    inst.scores = torch.tensor(scores, dtype=torch.float32)
    inst.pred_classes = torch.tensor(classes, dtype=torch.int64)
    return inst


def test_keeps_exactly_the_detections_at_or_above_threshold():
    det = _det(
        [[0, 0, 10, 10], [20, 20, 30, 30], [40, 40, 50, 50], [60, 60, 70, 70]],
        [0.8, 0.79999, 0.95, 0.3],
        [0, 1, 2, 0],
    )
    (out,) = filter_pseudo_labels([det], 0.8, nms_threshold=None)
    assert sorted(out.gt_scores.tolist()) == pytest.approx([0.8, 0.95])
    assert sorted(out.gt_classes.tolist()) == [0, 2]
    assert out.image_size == (100, 100)


def test_nms_removes_overlapping_same_class_boxes_only():
    det = _det([[0, 0, 10, 10], [0, 0, 10, 9], [0, 0, 10, 9.5]], [0.9, 0.85, 0.95], [1, 1, 2])
    (out,) = filter_pseudo_labels([det], 0.8, nms_threshold=0.5)
    assert sorted(out.gt_scores.tolist()) == pytest.approx([0.9, 0.95])


def test_images_without_confident_detections_get_empty_pseudo_labels():
    outs = filter_pseudo_labels([_det([[0, 0, 5, 5]], [0.5], [0]), _det([], [], [])], 0.8)
    assert [len(o) for o in outs] == [0, 0]
    assert outs[0].gt_boxes.tensor.shape == (0, 4)


def test_per_class_thresholds_keep_boxes_strictly_above_their_class_threshold():
    det = _det(
        [[0, 0, 10, 10], [20, 20, 30, 30], [40, 40, 50, 50], [60, 60, 70, 70]],
        [0.30, 0.31, 0.50, 0.20],
        [0, 0, 1, 2],
    )
    # class 0: 0.30 is its threshold itself (the rank rule keeps only scores above it)
    (out,) = filter_pseudo_labels([det], torch.tensor([0.30, 0.6, 0.1]), nms_threshold=None)
    assert sorted(zip(out.gt_classes.tolist(), out.gt_scores.tolist())) == [
        (0, pytest.approx(0.31)),
        (2, pytest.approx(0.20)),
    ]
