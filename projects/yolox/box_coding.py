"""Grid points and box coding of YOLOX: deltas (dx, dy, log w, log h) in units of the stride."""

import math
from typing import List, Optional, Sequence, Tuple

import torch

# Largest log-size (in strides) decoded at test time: Detectron2's `_DEFAULT_SCALE_CLAMP`
# (detectron2/modeling/box_regression.py), i.e. boxes at most 62.5 strides (2000 px at stride 32).
# An early model (BN running statistics far from the batch's) can output deltas whose exp is inf.
SCALE_CLAMP = math.log(1000.0 / 16)


def make_grid(sizes: Sequence[Tuple[int, int]], strides: Sequence[int], device=None):
    """
    Args:
        sizes: (H_l, W_l) of each level; strides: stride of each level.
    Returns:
        grid (A, 2) float cell indices (x, y), row-major per level, and strides (A,) float.
    """
    grids: List[torch.Tensor] = []
    level_strides: List[torch.Tensor] = []
    for (h, w), stride in zip(sizes, strides):
        ys, xs = torch.meshgrid(
            torch.arange(h, device=device), torch.arange(w, device=device), indexing="ij"
        )
        grids.append(torch.stack([xs, ys], dim=-1).reshape(-1, 2).float())
        level_strides.append(torch.full((h * w,), float(stride), device=device))
    return torch.cat(grids), torch.cat(level_strides)


def decode_boxes(
    box_deltas: torch.Tensor,
    grid: torch.Tensor,
    strides: torch.Tensor,
    scale_clamp: Optional[float] = None,
):
    """
    Official YOLOX decoding: centre = (delta_xy + grid) * stride, size = exp(delta_wh) * stride.

    Args:
        box_deltas (..., A, 4); grid (A, 2); strides (A,).
        scale_clamp: if given, delta_wh is clamped to at most this before exp (as Detectron2's
            `Box2BoxTransform.apply_deltas`); None decodes as official YOLOX (no clamp).
    Returns:
        boxes (..., A, 4) in XYXY absolute pixels.
    """
    s = strides.unsqueeze(-1)
    centre = (box_deltas[..., :2] + grid) * s
    log_size = box_deltas[..., 2:]
    if scale_clamp is not None:
        log_size = log_size.clamp(max=scale_clamp)
    size = log_size.exp() * s
    return torch.cat([centre - size / 2, centre + size / 2], dim=-1)


def encode_l1_targets(
    boxes: torch.Tensor, grid: torch.Tensor, strides: torch.Tensor, eps: float = 1e-8
):
    """Inverse of `decode_boxes` for the L1 loss: boxes (M, 4) XYXY, grid (M, 2), strides (M,)
    -> (M, 4) raw deltas (cx / s - gx, cy / s - gy, log(w / s), log(h / s))."""
    s = strides.unsqueeze(-1)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    size = boxes[:, 2:] - boxes[:, :2]
    return torch.cat([centre / s - grid, torch.log(size / s + eps)], dim=-1)
