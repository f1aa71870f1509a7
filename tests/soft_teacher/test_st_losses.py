"""Soft background weighting of the ROI classification loss (hand-computed)."""

import math

import pytest
import torch

from labeleff.projects.soft_teacher.losses import soft_background_cls_loss, soft_background_weights


def _ce(logits, target):
    return -math.log(math.exp(logits[target]) / sum(math.exp(v) for v in logits))


def test_soft_weighting_equals_hand_weighted_mean():
    # K = 2 foreground classes, background = 2
    logits = [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 1.0], [0.5, 3.0, -1.0]]
    labels = [0, 2, 2, 1]
    teacher_bg = [0.9, 0.25, 0.5, 0.1]  # foreground rows' teacher probability is ignored
    weights = soft_background_weights(torch.tensor(labels), torch.tensor(teacher_bg), num_classes=2)
    assert weights.tolist() == [1.0, 0.25, 0.5, 1.0]
    loss = soft_background_cls_loss(torch.tensor(logits), torch.tensor(labels), weights)
    w = [1.0, 0.25, 0.5, 1.0]
    expected = sum(wi * _ce(l, t) for wi, l, t in zip(w, logits, labels)) / sum(w)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_normaliser_is_at_least_one():
    # a single background proposal the teacher finds unlikely background (0.2): loss = 0.2 * CE / 1
    logits = torch.tensor([[1.0, 2.0, 0.5]])
    w = soft_background_weights(torch.tensor([2]), torch.tensor([0.2]), num_classes=2)
    loss = soft_background_cls_loss(logits, torch.tensor([2]), w)
    assert loss.item() == pytest.approx(0.2 * _ce([1.0, 2.0, 0.5], 2), rel=1e-6)


def test_gradient_flows_to_student_logits_only():
    logits = torch.randn(5, 4, requires_grad=True)
    bg = torch.rand(5, requires_grad=True)
    w = soft_background_weights(torch.tensor([3, 3, 0, 1, 3]), bg, num_classes=3)
    soft_background_cls_loss(logits, torch.tensor([3, 3, 0, 1, 3]), w).backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0
    assert bg.grad is None


def test_empty_is_finite_zero():
    logits = torch.zeros(0, 3, requires_grad=True)
    labels = torch.zeros(0, dtype=torch.long)
    loss = soft_background_cls_loss(logits, labels, torch.zeros(0))
    assert loss.item() == 0.0 and torch.isfinite(loss)
