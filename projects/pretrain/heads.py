"""Shared pieces of the pretraining models: input normalisation, pooled backbone feature."""

from typing import List, Optional, Sequence

import torch
from torch import nn

__all__ = ["PooledBackbone", "pick_feature"]


def pick_feature(backbone: nn.Module, in_feature: Optional[str]) -> Optional[str]:
    """`in_feature`, else the coarsest output (largest stride) of a backbone with `output_shape`."""
    if in_feature is not None or not hasattr(backbone, "output_shape"):
        return in_feature
    shapes = backbone.output_shape()
    return max(shapes, key=lambda k: shapes[k].stride)


class PooledBackbone(nn.Module):
    """Backbone + global average pool. The backbone is kept as `self.backbone`, so its keys
    are `backbone.<backbone keys>` (see export.py).

    Input: a list of N (3, H, W) uint8/float BGR images of one size (Detectron2's convention),
    flipped to RGB if the detector's `input_format` is "RGB", then normalised with
    `pixel_mean`/`pixel_std` (in `input_format` order) as the detector does.
    Output: (N, C) pooled features.
    """

    def __init__(
        self,
        backbone: nn.Module,
        in_feature: Optional[str] = None,
        pixel_mean: Sequence[float] = (103.53, 116.28, 123.675),
        pixel_std: Sequence[float] = (57.375, 57.120, 58.395),
        input_format: str = "BGR",
    ):
        super().__init__()
        if input_format not in ("BGR", "RGB"):
            raise ValueError(f"input_format must be BGR or RGB, got {input_format!r}")
        self.backbone = backbone
        self.input_format = input_format
        self.in_feature = pick_feature(backbone, in_feature)
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(-1, 1, 1), False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(-1, 1, 1), False)
        self.out_channels = self._infer_channels()

    def _infer_channels(self) -> int:
        if hasattr(self.backbone, "output_shape") and self.in_feature is not None:
            return int(self.backbone.output_shape()[self.in_feature].channels)
        was = self.backbone.training
        self.backbone.eval()
        with torch.no_grad():
            c = self._features(torch.zeros(1, 3, 64, 64)).shape[1]
        self.backbone.train(was)
        return int(c)

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        out = self.backbone(x)
        if isinstance(out, dict):
            out = out[self.in_feature] if self.in_feature is not None else list(out.values())[-1]
        elif isinstance(out, (list, tuple)):
            out = out[-1]
        return out

    @property
    def device(self):
        return self.pixel_mean.device

    def forward(self, images: List[torch.Tensor]) -> torch.Tensor:
        """images: list of (3, H, W) tensors of one size -> (N, C)."""
        x = torch.stack([im.to(self.device) for im in images]).float()
        if self.input_format == "RGB":
            x = x.flip(1)
        x = (x - self.pixel_mean) / self.pixel_std
        return self._features(x).mean(dim=(2, 3))
