"""Loss-dict weighting shared by every teacher-student method (prefixes groups, scales them)."""

from typing import Dict, Mapping

import torch

__all__ = ["weight_losses"]


def weight_losses(
    groups: Mapping[str, Mapping[str, torch.Tensor]], weights: Mapping[str, float]
) -> Dict[str, torch.Tensor]:
    """
    Merge several loss dicts into one, prefixing each key with its group and scaling it.

    Args:
        groups: {group: {loss_name: scalar tensor ()}}, e.g. {"sup": {...}, "unsup": {...}}.
            A group with an empty dict contributes nothing.
        weights: {group: float}; every group in `groups` must have a weight.

    Returns:
        {"group/loss_name": weight * loss}, scalar tensors () with the graph kept.
    """
    missing = [g for g in groups if g not in weights]
    if missing:
        raise KeyError(f"weight_losses: no weight for loss group(s) {missing}; got {list(weights)}")
    out = {}
    for group, losses in groups.items():
        for name, value in losses.items():
            out[f"{group}/{name}"] = value * weights[group]
    return out
