"""Box jittering and the regression-uncertainty score of Soft Teacher (Xu et al., ICCV 2021, Sec.
3.3)."""

from typing import Optional

import torch


def _box_wh4(boxes: torch.Tensor) -> torch.Tensor:
    """(N, 4) XYXY -> (N, 4) = (w, h, w, h), each clamped >= 1 pixel."""
    wh = (boxes[:, 2:4] - boxes[:, 0:2]).clamp(min=1.0)
    return wh.repeat(1, 2)


def jitter_boxes(
    boxes: torch.Tensor,
    times: int = 10,
    scale: float = 0.06,
    generator: Optional[torch.Generator] = None,
) -> torch.Tensor:
    """Random translations of each box, coordinate by coordinate.

    Each coordinate moves by N(0, 1) * scale * (w, h, w, h) of its box, w and h clamped >= 1
    (the paper's "box jittering": 10 copies, scale 0.06).

    Args:
        boxes: (N, 4) XYXY boxes.
        times: T, copies per box.
        scale: the offsets' standard deviation relative to the box size.
        generator: optional torch.Generator for reproducible draws (on the boxes' device).

    Returns:
        (T, N, 4) jittered boxes; [t] is the t-th copy of every box.
    """
    sigma = _box_wh4(boxes) * scale  # (N, 4)
    noise = torch.randn(
        (times,) + tuple(boxes.shape), generator=generator, device=boxes.device, dtype=boxes.dtype
    )
    return boxes[None] + noise * sigma[None]


def box_regression_uncertainty(refined: torch.Tensor) -> torch.Tensor:
    """Localization uncertainty of each box from its refined jittered copies.

    Per coordinate: the standard deviation over the T copies (unbiased, as torch.std), divided by
    the (w, h, w, h) of the mean refined box (clamped >= 1); the box's score is the mean of the 4.

    Args:
        refined: (T, N, 4) XYXY boxes, refined[t, i] = the detector's refinement of copy t of box i.

    Returns:
        (N,) uncertainty per box (0 for a detector that maps every copy to the same box).
    """
    if refined.shape[1] == 0:
        return refined.new_zeros((0,))
    std = refined.std(dim=0)  # (N, 4)
    mean_box = refined.mean(dim=0)  # (N, 4)
    return (std / _box_wh4(mean_box)).mean(dim=1)
