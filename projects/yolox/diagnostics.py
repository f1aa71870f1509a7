"""What the box loss sees: the fraction of SimOTA positives whose predicted box does not overlap
the box it is assigned to. There IoU loss is a constant 1 (no gradient); CIoU's centre-distance
term still pulls the box (the FloW claim about tiny objects)."""

from typing import Dict

import torch

__all__ = ["SMALL_AREA", "no_overlap_fractions"]

SMALL_AREA = 32**2  # COCO "small"


def no_overlap_fractions(
    matched_iou: torch.Tensor, target_areas: torch.Tensor, small_area: float = SMALL_AREA
) -> Dict[str, float]:
    """matched_iou (P,): IoU of each positive's predicted box with its target; target_areas (P,):
    the targets' areas in input pixels. Returns {"pos_no_overlap": fraction of positives with
    IoU 0, "pos_no_overlap_small": the same among targets below `small_area`} (a key is left out
    when it has no positive)."""
    out = {}
    if matched_iou.numel():
        out["pos_no_overlap"] = float((matched_iou <= 0).float().mean())
    small = target_areas < small_area
    if small.any():
        out["pos_no_overlap_small"] = float((matched_iou[small] <= 0).float().mean())
    return out
