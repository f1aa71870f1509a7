"""Threshold filters of the pseudo-labels: exactly the boxes strictly above / below each
threshold."""

import torch
from detectron2.structures import Boxes, Instances

from labeleff.projects.soft_teacher.pseudo_labels import pseudo_label_mask, select_pseudo_labels


def _pseudo():
    inst = Instances((100, 100))
    inst.gt_boxes = Boxes(
        torch.tensor(
            [
                [0.0, 0.0, 10.0, 10.0],
                [5.0, 5.0, 20.0, 30.0],
                [1.0, 1.0, 9.0, 9.0],
                [3.0, 3.0, 3.0, 40.0],  # zero width: dropped by the size filter
                [0.0, 0.0, 50.0, 50.0],
                [10.0, 10.0, 60.0, 11.0],
            ]
        )
    )
    inst.gt_classes = torch.tensor([0, 1, 2, 0, 1, 2])
    inst.scores = torch.tensor([0.95, 0.9, 0.5, 0.99, 0.51, 0.91])
    inst.reg_uncertainty = torch.tensor([0.01, 0.001, 0.02, 0.0, 0.3, 0.0199])
    return inst


def test_score_filters_select_exactly_above_threshold():
    p = _pseudo()
    # initial 0.5: 0.5 itself is excluded (strict), degenerate box excluded
    kept = select_pseudo_labels(p, score_threshold=0.5)
    assert torch.allclose(kept.scores, torch.tensor([0.95, 0.9, 0.51, 0.91]))
    # rpn / cls 0.9
    kept = select_pseudo_labels(p, score_threshold=0.9)
    assert torch.allclose(kept.scores, torch.tensor([0.95, 0.91]))
    assert kept.gt_classes.tolist() == [0, 2]


def test_uncertainty_filter_selects_exactly_below_threshold():
    kept = select_pseudo_labels(_pseudo(), max_uncertainty=0.02)
    assert kept.gt_classes.tolist() == [0, 1, 2]  # 0.01, 0.001, 0.0199; 0.02 and 0.3 excluded
    assert torch.allclose(kept.reg_uncertainty, torch.tensor([0.01, 0.001, 0.0199]))


def test_min_size_filter():
    boxes = _pseudo().gt_boxes.tensor
    assert pseudo_label_mask(boxes, min_size=0).tolist() == [True, True, True, False, True, True]
    assert pseudo_label_mask(boxes, min_size=1.0).tolist() == [True, True, True, False, True, False]
    assert pseudo_label_mask(boxes, min_size=None).all()


def test_empty_pseudo_labels():
    empty = _pseudo()[torch.zeros(6, dtype=torch.bool)]
    assert len(select_pseudo_labels(empty, score_threshold=0.9, max_uncertainty=0.02)) == 0
