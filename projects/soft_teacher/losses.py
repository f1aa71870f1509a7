"""Soft Teacher's classification loss: background proposals weighted by the teacher's confidence."""

import torch

from labeleff.modeling import weighted_cross_entropy


def soft_background_weights(
    gt_classes: torch.Tensor, teacher_bg_probs: torch.Tensor, num_classes: int
) -> torch.Tensor:
    """Per-proposal weights: 1 for foreground, the teacher's background probability for background.

    Args:
        gt_classes: (R,) int64 labels in [0, num_classes]; `num_classes` is background.
        teacher_bg_probs: (R,) the teacher's background probability of each proposal (no grad).
        num_classes: K, the number of foreground classes.

    Returns:
        (R,) float weights.
    """
    is_bg = gt_classes == num_classes
    ones = torch.ones_like(teacher_bg_probs)
    return torch.where(is_bg, teacher_bg_probs.detach(), ones)


def soft_background_cls_loss(
    logits: torch.Tensor, gt_classes: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor:
    """Weighted cross entropy sum(w * CE) / max(sum(w), 1) (the paper's Eq. 3-4, official
    normaliser).

    Args:
        logits: (R, K + 1) class logits of the student, background last (Detectron2 convention).
        gt_classes: (R,) int64 targets in [0, K].
        weights: (R,) per-proposal weights (see :func:`soft_background_weights`).

    Returns:
        scalar loss; 0 (with the graph of `logits`) when R == 0.
    """
    return weighted_cross_entropy(logits, gt_classes, weights, "weight_sum")
