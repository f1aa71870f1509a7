"""Hard negative mining (3:1, filtered anchors never negatives) and the multibox loss."""

import math

import torch
import torch.nn.functional as F

from labeleff.projects.refinedet.loss import hard_negative_mining, multibox_loss


def test_mining_keeps_three_per_positive_with_highest_losses():
    losses = torch.tensor([[0.1, 5.0, 0.2, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 9.0]])
    positive = torch.zeros(1, 11, dtype=torch.bool)
    positive[0, [1, 10]] = True  # the two highest losses are positives, never negatives
    neg = hard_negative_mining(losses, positive, torch.ones_like(positive), 3.0)
    assert neg.sum() == 6
    assert neg[0].nonzero().squeeze(1).tolist() == [3, 4, 5, 6, 7, 8]


def test_mining_takes_all_available_when_too_few():
    losses = torch.rand(1, 6)
    positive = torch.tensor([[True, True, False, False, False, False]])
    eligible = torch.tensor([[True, True, True, True, False, False]])
    neg = hard_negative_mining(losses, positive, eligible, 3.0)
    assert neg[0].tolist() == [False, False, True, True, False, False]


def test_filtered_anchors_never_negatives_and_counts_per_image():
    losses = torch.tensor([[10.0, 9.0, 1.0, 2.0, 3.0, 4.0, 5.0, 0.5], [1.0] * 8])
    positive = torch.zeros(2, 8, dtype=torch.bool)
    positive[0, 7] = True
    eligible = torch.ones(2, 8, dtype=torch.bool)
    eligible[0, :2] = False  # highest losses, but the ARM says background > 0.99
    neg = hard_negative_mining(losses, positive, eligible, 3.0)
    assert neg[0].nonzero().squeeze(1).tolist() == [4, 5, 6]
    assert neg[1].sum() == 0  # no positive in image 1 -> no negatives (official behaviour)


def test_multibox_loss_by_hand():
    # One image, 4 anchors, K = 3 classes (background 2); anchor 0 positive (class 1).
    logits = torch.tensor([[[0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
    deltas = torch.tensor([[[0.5, -2.0, 0.0, 0.0]] + [[0.0] * 4] * 3])
    target_deltas = torch.zeros(1, 4, 4)
    labels = torch.tensor([[1, 2, 2, 2]])
    loc, cls = multibox_loss(deltas, logits, labels, target_deltas, 2, None, 3.0)
    assert math.isclose(loc.item(), 0.5 * 0.25 + 1.5, rel_tol=1e-6)  # smooth-L1, beta 1
    expected = sum(
        F.cross_entropy(logits[0, i : i + 1], labels[0, i : i + 1]).item() for i in range(4)
    )
    assert math.isclose(cls.item(), expected, rel_tol=1e-6)  # 1 pos + 3 negatives, / 1 positive

    # Filtering anchor 2 (the hardest negative) removes it from the classification loss.
    flt = torch.tensor([[False, False, True, False]])
    _, cls_f = multibox_loss(deltas, logits, labels, target_deltas, 2, flt, 3.0)
    dropped = F.cross_entropy(logits[0, 2:3], labels[0, 2:3]).item()
    assert math.isclose(cls_f.item(), expected - dropped, rel_tol=1e-6)


def test_no_positive_gives_zero_finite_losses_with_grad():
    logits = torch.randn(2, 5, 3, requires_grad=True)
    deltas = torch.randn(2, 5, 4, requires_grad=True)
    labels = torch.full((2, 5), 2)
    loc, cls = multibox_loss(deltas, logits, labels, torch.zeros(2, 5, 4), 2, None, 3.0)
    assert loc.item() == 0.0 and cls.item() == 0.0
    (loc + cls).backward()
    assert torch.isfinite(logits.grad).all() and torch.isfinite(deltas.grad).all()
