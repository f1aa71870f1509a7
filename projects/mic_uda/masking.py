"""Block masking of target images for MIC's masked image consistency (Hoyer et al., CVPR 2023)."""

import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

__all__ = ["block_mask", "mask_image"]


def block_mask(
    image_size: Tuple[int, int],
    block_size: int,
    ratio: float,
    device=None,
    generator: Optional[torch.Generator] = None,
) -> torch.Tensor:
    """A random patch mask: each `block_size` x `block_size` block is kept iff U(0, 1) > `ratio`.

    The (ceil(H / b), ceil(W / b)) grid of block decisions is upsampled by nearest neighbour and
    cropped to the image, so every full block is constant and the last row/column of blocks is
    partial when H or W is not a multiple of b (the official code rounds the grid instead).

    Args:
        image_size: (H, W) of the image to mask.
        block_size: b, in pixels (MIC's detection code: 32).
        ratio: r in [0, 1), the probability that a block is masked (MIC: 0.5).
        generator: optional torch.Generator for reproducible masks.
    Returns:
        (1, H, W) float tensor of zeros (masked) and ones (kept).
    """
    if block_size < 1:
        raise ValueError(f"mask block_size must be >= 1, got {block_size}")
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"mask ratio must be in [0, 1), got {ratio}")
    h, w = image_size
    grid = (math.ceil(h / block_size), math.ceil(w / block_size))
    keep = (torch.rand(grid, generator=generator, device=device) > ratio).float()
    mask = F.interpolate(keep[None, None], scale_factor=block_size, mode="nearest")
    return mask[0, :, :h, :w]


def mask_image(
    image: torch.Tensor, block_size: int, ratio: float, generator: Optional[torch.Generator] = None
) -> torch.Tensor:
    """Multiply a (C, H, W) image by a fresh `block_mask`; masked pixels become exactly 0.

    Applied to the normalised image (as the official code does), a masked pixel is the dataset
    mean colour. One mask per call, so each sample of a batch gets its own.
    """
    mask = block_mask(image.shape[-2:], block_size, ratio, image.device, generator)
    return image * mask.to(image.dtype)
