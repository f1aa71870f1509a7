"""PS-MT losses as pure functions: confidence-weighted CE (Conf-CE) on teacher pseudo-labels."""

from typing import Optional

import torch
import torch.nn.functional as F

__all__ = ["conf_ce_loss", "ensemble_logits"]


def ensemble_logits(logits_a: torch.Tensor, logits_b: torch.Tensor, gamma: float = 0.5):
    """Teacher ensemble `gamma * a + (1 - gamma) * b` of two (N, K, H, W) logit maps."""
    return gamma * logits_a + (1.0 - gamma) * logits_b


def conf_ce_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    threshold: float = 0.6,
    mask: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """Conf-CE of PS-MT (eq. 5 of the paper, `semi_ce_loss` of the official code).

    The pseudo-label of a pixel is the argmax of the teacher logits, its weight w the max softmax
    probability. Normalisation (as the official code): the weighted per-pixel CE `w * CE` is
    averaged over the confident pixels only (w >= threshold, counted over the whole batch), i.e.
    `sum_{w>=t} w * CE / #{w >= t}` (not divided by the sum of the weights).

    Args:
        student_logits: (N, K, H, W) student logits (with grad).
        teacher_logits: (N, K, H, W) teacher-ensemble logits (no grad needed; detached here).
        threshold: confidence threshold on w (0.6 in the paper: `semi_p_th`).
        mask: (N, H, W) bool, the pixels to train on instead of w >= threshold (another
            selection, `selection.py`); the loss is still their mean of w * CE.
    Returns:
        scalar tensor. With no confident pixel: a zero tensor (no graph), as the official code.
    """
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(
            f"conf_ce_loss: student logits {tuple(student_logits.shape)} and teacher logits "
            f"{tuple(teacher_logits.shape)} must have the same (N, K, H, W) shape"
        )
    with torch.no_grad():
        logits = teacher_logits.detach()
        prob = F.softmax(logits.to(torch.promote_types(logits.dtype, torch.float32)), dim=1)
        weight, pseudo_label = prob.max(dim=1)  # (N, H, W) each
        if mask is None:
            mask = weight >= threshold
    if not bool(mask.any()):
        return student_logits.new_zeros(())
    per_pixel = F.cross_entropy(student_logits, pseudo_label, reduction="none")  # (N, H, W)
    return (per_pixel * weight.to(per_pixel.dtype))[mask].mean()
