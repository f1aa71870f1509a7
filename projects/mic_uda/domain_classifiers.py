"""Image- and instance-level domain classifiers with their losses (DA-Faster R-CNN, Chen et al.
CVPR 2018, in the FPN form used by SA-DA / MIC's detection code). Domain label: source 1, target 0.
"""

from typing import List

import torch
import torch.nn.functional as F
from torch import nn

from .grl import grad_reverse

__all__ = [
    "ImageDomainClassifier",
    "InstanceDomainClassifier",
    "image_domain_loss",
    "instance_domain_loss",
]


class ImageDomainClassifier(nn.Module):
    """Per-pixel domain logits for each feature level: 1x1 conv -> ReLU -> 1x1 conv to one channel,
    one small head per level, behind a gradient reversal layer of weight `grl_weight`."""

    def __init__(self, in_channels: int, num_levels: int, grl_weight: float, hidden: int = 512):
        super().__init__()
        self.grl_weight = grl_weight
        self.heads = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(in_channels, hidden, kernel_size=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(hidden, 1, kernel_size=1),
            )
            for _ in range(num_levels)
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.001)
                nn.init.constant_(m.bias, 0.0)

    def forward(self, features: List[torch.Tensor]) -> List[torch.Tensor]:
        """features: L tensors (N, C, Hi, Wi) -> L logit maps (N, 1, Hi, Wi)."""
        if len(features) != len(self.heads):
            raise ValueError(
                f"ImageDomainClassifier has {len(self.heads)} level heads, got {len(features)} maps"
            )
        return [head(grad_reverse(f, self.grl_weight)) for head, f in zip(self.heads, features)]


class InstanceDomainClassifier(nn.Module):
    """Domain logit per ROI feature vector: FC -> ReLU -> dropout, twice, then FC to one logit,
    behind a gradient reversal layer of weight `grl_weight` (one head shared by all FPN levels)."""

    def __init__(self, in_dim: int, grl_weight: float, hidden: int = 1024, dropout: float = 0.5):
        super().__init__()
        self.grl_weight = grl_weight
        self.net = nn.Sequential(
            nn.Linear(in_dim, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, 1),
        )
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.01)
                nn.init.constant_(m.bias, 0.0)

    def forward(self, roi_features: torch.Tensor) -> torch.Tensor:
        """roi_features: (R, D) box-head outputs (or (R, C, h, w), flattened) -> (R,) logits."""
        x = grad_reverse(roi_features.flatten(1), self.grl_weight)
        return self.net(x)[:, 0]


def image_domain_loss(logits: List[torch.Tensor], is_source: bool) -> torch.Tensor:
    """Binary cross-entropy of per-pixel domain logits, all levels resized (bilinear) to the first
    (finest) level's size, averaged over levels, images and pixels.

    Args:
        logits: L tensors (N, 1, Hi, Wi) from `ImageDomainClassifier`, all from one domain.
        is_source: the domain of these images (label 1 for source, 0 for target).
    Returns:
        scalar loss.
    """
    size = logits[0].shape[-2:]
    per_level = [
        (
            F.interpolate(x, size=size, mode="bilinear", align_corners=True)
            if x.shape[-2:] != size
            else x
        )
        for x in logits
    ]
    stacked = torch.stack(per_level)  # (L, N, 1, H0, W0)
    target = torch.full_like(stacked, 1.0 if is_source else 0.0)
    return F.binary_cross_entropy_with_logits(stacked, target)


def instance_domain_loss(logits: torch.Tensor, is_source: bool) -> torch.Tensor:
    """Binary cross-entropy of ROI domain logits (R,), mean over ROIs (R > 0 required)."""
    if logits.numel() == 0:
        raise ValueError("instance_domain_loss needs at least one ROI")
    target = torch.full_like(logits, 1.0 if is_source else 0.0)
    return F.binary_cross_entropy_with_logits(logits, target)
