"""Quality weights and weighted losses against hand computation."""

import math

import pytest
import torch

from labeleff.projects.mic_uda.quality import (
    roi_quality_weights,
    rpn_quality_weights,
    weighted_objectness_loss,
    weighted_roi_cls_loss,
)

# two foreground classes + background (index 2)
LOGITS = torch.tensor([[math.log(3.0), 0.0, 0.0], [0.0, 0.0, math.log(2.0)]])
GT = torch.tensor([0, 2])
SCORES = torch.tensor([0.9, 0.7])


def test_roi_prob_weights_are_the_max_softmax():
    w = roi_quality_weights("prob", LOGITS, GT)
    assert w.tolist() == pytest.approx([3 / 5, 2 / 4])


def test_roi_teacher_weights_use_scores_for_foreground_and_one_for_background():
    assert roi_quality_weights("teacher", LOGITS, GT, SCORES).tolist() == pytest.approx([0.9, 1.0])
    assert roi_quality_weights("none", LOGITS, GT).tolist() == [1.0, 1.0]


def test_weighted_roi_loss_by_hand():
    logits = LOGITS.clone().requires_grad_(True)
    w = roi_quality_weights("prob", logits, GT)
    loss = weighted_roi_cls_loss(logits, GT, w)
    ce = [-math.log(3 / 5), -math.log(2 / 4)]
    assert loss.item() == pytest.approx((0.6 * ce[0] + 0.5 * ce[1]) / 2)
    loss.backward()
    # the weight is detached: d/dlogit of 0.6 * CE only
    p = torch.tensor([0.6, 0.2, 0.2])
    assert logits.grad[0].tolist() == pytest.approx(
        (0.6 * (p - torch.tensor([1.0, 0, 0])) / 2).tolist()
    )


def test_rpn_weights_and_objectness_loss_by_hand():
    logits = torch.tensor([0.0, math.log(3.0), -math.log(4.0)])
    labels = torch.tensor([1, 0, 0])
    scores = torch.tensor([0.85, 0.3, 0.1])
    w = rpn_quality_weights("prob", logits, labels)
    assert w.tolist() == pytest.approx([0.5, 0.75, 0.2])
    assert rpn_quality_weights("teacher", logits, labels, scores).tolist() == pytest.approx(
        [0.85, 1.0, 1.0]
    )
    bce = [math.log(2.0), -math.log(1 - 0.75), -math.log(1 - 0.2)]
    loss = weighted_objectness_loss(logits, labels, w, normalizer=4)
    assert loss.item() == pytest.approx((0.5 * bce[0] + 0.75 * bce[1] + 0.2 * bce[2]) / 4)


def test_empty_roi_loss_is_a_finite_zero_keeping_the_graph():
    logits = torch.zeros(0, 3, requires_grad=True)
    loss = weighted_roi_cls_loss(logits, torch.zeros(0, dtype=torch.long), torch.zeros(0))
    assert loss.item() == 0.0 and loss.requires_grad


def test_unknown_mode_and_missing_scores_are_errors():
    with pytest.raises(ValueError, match="quality weight mode"):
        roi_quality_weights("soft", LOGITS, GT)
    with pytest.raises(ValueError, match="gt_scores"):
        rpn_quality_weights("teacher", LOGITS[:, 0], GT)
