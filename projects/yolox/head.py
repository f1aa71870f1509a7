"""Decoupled YOLOX head: per level a 1x1 stem, then a cls branch and a shared reg/obj branch."""

import math
from typing import List

import torch
from torch import nn

from .blocks import BaseConv, conv_block


class YOLOXHead(nn.Module):
    """Anchor-free head (one prediction per feature-map cell) at each input level.

    Args:
        in_channels: channels of each input level (e.g. PAFPN p3/p4/p5).
        num_classes: K.
        width: width multiplier; branches have int(256 * width) channels.
        prior_prob: initial foreground probability of the cls and obj logits (official 0.01).
    """

    def __init__(
        self,
        *,
        in_channels: List[int],
        num_classes: int,
        width: float = 0.50,
        depthwise: bool = False,
        act: str = "silu",
        prior_prob: float = 0.01
    ):
        super().__init__()
        self.num_classes = num_classes
        hidden = int(256 * width)
        Conv = conv_block(depthwise)

        def branch():
            return nn.Sequential(
                Conv(hidden, hidden, 3, 1, act=act), Conv(hidden, hidden, 3, 1, act=act)
            )

        self.stems = nn.ModuleList([BaseConv(c, hidden, 1, act=act) for c in in_channels])
        self.cls_convs = nn.ModuleList([branch() for _ in in_channels])
        self.reg_convs = nn.ModuleList([branch() for _ in in_channels])
        self.cls_preds = nn.ModuleList([nn.Conv2d(hidden, num_classes, 1) for _ in in_channels])
        self.reg_preds = nn.ModuleList([nn.Conv2d(hidden, 4, 1) for _ in in_channels])
        self.obj_preds = nn.ModuleList([nn.Conv2d(hidden, 1, 1) for _ in in_channels])
        bias = -math.log((1 - prior_prob) / prior_prob)
        for conv in list(self.cls_preds) + list(self.obj_preds):
            nn.init.constant_(conv.bias, bias)

    def forward(self, features: List[torch.Tensor]):
        """
        Args:
            features: L tensors (N, C_l, H_l, W_l).
        Returns:
            cls_logits (N, A, K), obj_logits (N, A), box_deltas (N, A, 4) with A = sum H_l * W_l,
            levels concatenated in order, cells row-major (y then x) within a level.
        """
        cls_all, obj_all, reg_all = [], [], []
        for level, x in enumerate(features):
            x = self.stems[level](x)
            cls_feat = self.cls_convs[level](x)
            reg_feat = self.reg_convs[level](x)
            cls_all.append(self.cls_preds[level](cls_feat).flatten(2).transpose(1, 2))
            reg_all.append(self.reg_preds[level](reg_feat).flatten(2).transpose(1, 2))
            obj_all.append(self.obj_preds[level](reg_feat).flatten(1))
        return torch.cat(cls_all, 1), torch.cat(obj_all, 1), torch.cat(reg_all, 1)
