"""RefineDet head: anchor refinement module (ARM), transfer connection blocks (TCB) and the
object detection module (ODM)."""

from typing import List, Tuple

import torch
import torch.nn.functional as F
from fvcore.nn.weight_init import c2_xavier_fill
from torch import nn


def flatten_predictions(preds: List[torch.Tensor], k: int) -> torch.Tensor:
    """Per-level (N, A*k, H, W) maps -> (N, sum_l H*W*A, k), ordered level, y, x, anchor
    (Detectron2's anchor order, and Caffe's Permute(0, 2, 3, 1) + Flatten)."""
    n = preds[0].shape[0]
    return torch.cat([p.permute(0, 2, 3, 1).reshape(n, -1, k) for p in preds], dim=1)


class TransferConnectionBlock(nn.Module):
    """conv3x3-ReLU-conv3x3 on the ARM feature, plus the 2x2 stride-2 deconvolution of the
    next-higher TCB output (absent on the top level), then ReLU-conv3x3-ReLU.

    The official top block (TL6) is conv-ReLU-conv-ReLU-conv-ReLU, i.e. the same with the second
    ReLU kept because there is nothing to add; we do the same.
    """

    def __init__(self, in_channels: int, channels: int, has_higher: bool):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.up = nn.ConvTranspose2d(channels, channels, 2, stride=2) if has_higher else None
        self.conv3 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, higher: torch.Tensor = None) -> torch.Tensor:
        """x: (N, Cin, H, W); higher: (N, C, ceil(H/2), ceil(W/2)) or None -> (N, C, H, W)."""
        x = self.conv2(F.relu(self.conv1(x), inplace=True))
        if self.up is not None:
            # Crop handles odd sizes (ceil-mode pooling); at 320/512 the sizes match exactly.
            x = x + self.up(higher)[:, :, : x.shape[2], : x.shape[3]]
        return F.relu(self.conv3(F.relu(x)), inplace=True)


class RefineDetHead(nn.Module):
    """ARM (2-class objectness + 4 offsets per anchor) on the backbone features, TCBs turning them
    into P3..P6, and ODM ((C+1) classes + 4 offsets per refined anchor) on those."""

    def __init__(
        self,
        in_channels: List[int],
        num_anchors: int,
        num_classes: int,
        tcb_channels: int = 256,
    ):
        super().__init__()
        self.num_classes = num_classes
        n = len(in_channels)
        self.arm_loc = nn.ModuleList(
            nn.Conv2d(c, num_anchors * 4, 3, padding=1) for c in in_channels
        )
        self.arm_cls = nn.ModuleList(
            nn.Conv2d(c, num_anchors * 2, 3, padding=1) for c in in_channels
        )
        self.tcb = nn.ModuleList(
            TransferConnectionBlock(c, tcb_channels, has_higher=i < n - 1)
            for i, c in enumerate(in_channels)
        )
        self.odm_loc = nn.ModuleList(
            nn.Conv2d(tcb_channels, num_anchors * 4, 3, padding=1) for _ in in_channels
        )
        self.odm_cls = nn.ModuleList(
            nn.Conv2d(tcb_channels, num_anchors * (num_classes + 1), 3, padding=1)
            for _ in in_channels
        )
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                c2_xavier_fill(m)  # official: Caffe "xavier" weights, zero bias

    def forward(
        self, features: List[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """features: per level (N, C_l, H_l, W_l), finest first.

        Returns arm_deltas (N, R, 4), arm_logits (N, R, 2), odm_deltas (N, R, 4),
        odm_logits (N, R, C+1), R = total anchors; background is the last ODM column and column 0
        of the ARM logits.
        """
        arm_deltas = [conv(f) for conv, f in zip(self.arm_loc, features)]
        arm_logits = [conv(f) for conv, f in zip(self.arm_cls, features)]
        refined = [None] * len(features)
        higher = None
        for i in reversed(range(len(features))):
            higher = self.tcb[i](features[i], higher)
            refined[i] = higher
        odm_deltas = [conv(p) for conv, p in zip(self.odm_loc, refined)]
        odm_logits = [conv(p) for conv, p in zip(self.odm_cls, refined)]
        return (
            flatten_predictions(arm_deltas, 4),
            flatten_predictions(arm_logits, 2),
            flatten_predictions(odm_deltas, 4),
            flatten_predictions(odm_logits, self.num_classes + 1),
        )
