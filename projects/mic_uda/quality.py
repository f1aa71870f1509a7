"""Quality weights for MIC's pseudo-label losses and the weighted losses using them (pure).

Modes (MIC's PSEUDO_LABEL_WEIGHT): "prob" (official default) weights each sampled ROI by the
student's own max-softmax and each sampled anchor by its objectness probability; "teacher" weights
foreground samples by the teacher score of their matched pseudo box (background samples 1);
"none" weights all samples 1. Weights never carry gradient.
"""

from typing import Optional

import torch
import torch.nn.functional as F

from labeleff.modeling import weighted_cross_entropy, weighted_objectness_loss

__all__ = [
    "QUALITY_MODES",
    "roi_quality_weights",
    "rpn_quality_weights",
    "weighted_roi_cls_loss",
    "weighted_objectness_loss",
]

QUALITY_MODES = ("prob", "teacher", "none")


def _check_mode(mode: str, gt_scores: Optional[torch.Tensor]) -> None:
    if mode not in QUALITY_MODES:
        raise ValueError(f"quality weight mode must be one of {QUALITY_MODES}, got {mode!r}")
    if mode == "teacher" and gt_scores is None:
        raise ValueError("quality weight mode 'teacher' needs the pseudo boxes' gt_scores")


def roi_quality_weights(
    mode: str,
    class_logits: torch.Tensor,
    gt_classes: torch.Tensor,
    gt_scores: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """Per-ROI weights.

    Args:
        class_logits: (R, K + 1) student box-classifier logits, background last (Detectron2).
        gt_classes: (R,) matched pseudo class in [0, K], K = background.
        gt_scores: (R,) teacher score of the matched pseudo box (any value for background).
    Returns:
        (R,) detached weights.
    """
    _check_mode(mode, gt_scores)
    if mode == "prob":
        return F.softmax(class_logits.detach(), dim=1).max(dim=1).values
    if mode == "teacher":
        background = class_logits.shape[1] - 1
        fg = gt_classes != background
        return torch.where(
            fg,
            gt_scores.detach().to(class_logits.dtype),
            torch.ones_like(gt_scores, dtype=class_logits.dtype),
        )
    return torch.ones(len(gt_classes), dtype=class_logits.dtype, device=class_logits.device)


def rpn_quality_weights(
    mode: str,
    objectness_logits: torch.Tensor,
    gt_labels: torch.Tensor,
    gt_scores: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """Per-anchor weights.

    Args:
        objectness_logits: (M,) student objectness logits of the sampled anchors.
        gt_labels: (M,) 1 (object) or 0 (background).
        gt_scores: (M,) teacher score of the matched pseudo box (any value for background).
    Returns:
        (M,) detached weights.
    """
    _check_mode(mode, gt_scores)
    if mode == "prob":
        return torch.sigmoid(objectness_logits.detach())
    if mode == "teacher":
        return torch.where(
            gt_labels == 1,
            gt_scores.detach().to(objectness_logits.dtype),
            torch.ones_like(objectness_logits),
        )
    return torch.ones_like(objectness_logits)


def weighted_roi_cls_loss(
    class_logits: torch.Tensor, gt_classes: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor:
    """mean_i w_i * CE(class_logits_i, gt_classes_i), the official weighted classification loss.

    class_logits (R, K + 1), gt_classes (R,), weights (R,) -> scalar. With R = 0 it returns
    `class_logits.sum() * 0.0`, as Detectron2's `cross_entropy` does for empty input.
    """
    return weighted_cross_entropy(class_logits, gt_classes, weights, "mean")
