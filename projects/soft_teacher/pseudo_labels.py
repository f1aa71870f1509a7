"""Selection of Soft Teacher pseudo-labels: score and box-uncertainty thresholds, minimum box
size."""

from typing import Optional, Union

import torch
from detectron2.structures import Instances


def pseudo_label_mask(
    boxes: torch.Tensor,
    scores: Optional[torch.Tensor] = None,
    score_threshold: Optional[Union[float, torch.Tensor]] = None,
    uncertainty: Optional[torch.Tensor] = None,
    max_uncertainty: Optional[float] = None,
    min_size: Optional[float] = 0.0,
) -> torch.Tensor:
    """Which pseudo boxes pass every given filter (strict inequalities, as the official code).

    Args:
        boxes: (N, 4) XYXY boxes.
        scores: (N,) classification scores; kept where `scores > score_threshold` (a float, or
            an (N,) tensor of per-box thresholds, e.g. each box's class threshold).
        uncertainty: (N,) box-regression uncertainty; kept where `uncertainty < max_uncertainty`.
        min_size: kept where width > min_size and height > min_size (0 drops degenerate boxes);
            None disables the size filter.

    Returns:
        (N,) bool mask.
    """
    keep = torch.ones(boxes.shape[0], dtype=torch.bool, device=boxes.device)
    if score_threshold is not None:
        keep &= scores > score_threshold
    if max_uncertainty is not None:
        keep &= uncertainty < max_uncertainty
    if min_size is not None:
        wh = boxes[:, 2:4] - boxes[:, 0:2]
        keep &= (wh[:, 0] > min_size) & (wh[:, 1] > min_size)
    return keep


def select_pseudo_labels(
    pseudo: Instances,
    score_threshold: Optional[Union[float, torch.Tensor]] = None,
    max_uncertainty: Optional[float] = None,
    min_size: Optional[float] = 0.0,
) -> Instances:
    """The subset of pseudo-labels passing the filters of :func:`pseudo_label_mask`.

    Args:
        pseudo: Instances with `gt_boxes` (Boxes), `gt_classes`, `scores` and
            `reg_uncertainty` (needed only when `max_uncertainty` is given).
    """
    mask = pseudo_label_mask(
        pseudo.gt_boxes.tensor,
        scores=pseudo.scores if score_threshold is not None else None,
        score_threshold=score_threshold,
        uncertainty=pseudo.reg_uncertainty if max_uncertainty is not None else None,
        max_uncertainty=max_uncertainty,
        min_size=min_size,
    )
    return pseudo[mask]
