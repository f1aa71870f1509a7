"""Conf-CE against a hand computation."""

import math

import pytest
import torch

from labeleff.projects.ps_mt.losses import conf_ce_loss, ensemble_logits


def _logits_from_probs(rows):
    """(2, 2, 3) per-pixel probabilities (row-major) -> (1, 3, 2, 2) logits with that softmax."""
    p = torch.tensor(rows, dtype=torch.float64).view(2, 2, 3)
    return p.log().permute(2, 0, 1).unsqueeze(0)


def test_conf_ce_matches_hand_computation_2x2x3():
    teacher = _logits_from_probs(
        [[0.7, 0.2, 0.1], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.25, 0.65, 0.1]]
    )  # w = 0.7 (label 0), 0.5 (below 0.6: excluded), 0.8 (label 2), 0.65 (label 1)
    student = _logits_from_probs(
        [[0.5, 0.25, 0.25], [0.2, 0.2, 0.6], [0.2, 0.4, 0.4], [0.1, 0.8, 0.1]]
    ).requires_grad_(True)
    loss = conf_ce_loss(student, teacher, threshold=0.6)
    expected = (0.7 * -math.log(0.5) + 0.8 * -math.log(0.4) + 0.65 * -math.log(0.8)) / 3
    assert loss.item() == pytest.approx(expected, rel=1e-9)
    loss.backward()
    # the excluded pixel (0, 1) gets no gradient, the confident ones do
    assert torch.all(student.grad[0, :, 0, 1] == 0)
    assert student.grad[0, :, 1, 0].abs().sum() > 0


def test_conf_ce_threshold_inclusive_and_empty_mask_is_zero():
    teacher = _logits_from_probs([[0.7, 0.2, 0.1]] * 4)
    student = torch.zeros(1, 3, 2, 2, dtype=torch.float64)
    assert conf_ce_loss(student, teacher, threshold=0.7 - 1e-12).item() == pytest.approx(
        0.7 * math.log(3)
    )
    zero = conf_ce_loss(student, teacher, threshold=0.9)
    assert zero.item() == 0.0 and torch.isfinite(zero)


def test_conf_ce_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="same"):
        conf_ce_loss(torch.zeros(1, 3, 2, 2), torch.zeros(1, 3, 2, 3))


def test_ensemble_is_gamma_weighted_mean():
    a, b = torch.full((1, 2, 1, 1), 2.0), torch.full((1, 2, 1, 1), 4.0)
    assert torch.allclose(ensemble_logits(a, b, 0.5), torch.full((1, 2, 1, 1), 3.0))
    assert torch.allclose(ensemble_logits(a, b, 0.25), torch.full((1, 2, 1, 1), 3.5))
