"""Convolution blocks of CSPDarknet / PAFPN / the YOLOX head (Ge et al. 2021, Megvii YOLOX)."""

import torch
from torch import nn

# YOLOX initialises every BatchNorm with eps=1e-3, momentum=0.03 (`init_yolo` in yolox_base.py).
BN_EPS = 1e-3
BN_MOMENTUM = 0.03


def get_activation(name: str) -> nn.Module:
    """`silu` (YOLOX default), `relu` or `lrelu` (slope 0.1)."""
    if name == "silu":
        return nn.SiLU(inplace=True)
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "lrelu":
        return nn.LeakyReLU(0.1, inplace=True)
    raise ValueError(f"Unknown activation {name!r}; expected 'silu', 'relu' or 'lrelu'")


class BaseConv(nn.Sequential):
    """Conv (no bias, 'same' padding) -> BatchNorm -> activation."""

    def __init__(self, in_channels, out_channels, ksize, stride=1, groups=1, act="silu"):
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels, out_channels, ksize, stride, (ksize - 1) // 2, groups=groups, bias=False
        )
        self.bn = nn.BatchNorm2d(out_channels, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.act = get_activation(act)


class DWConv(nn.Sequential):
    """Depthwise conv followed by a 1x1 pointwise conv (used by YOLOX-nano)."""

    def __init__(self, in_channels, out_channels, ksize, stride=1, act="silu"):
        super().__init__()
        self.dconv = BaseConv(in_channels, in_channels, ksize, stride, groups=in_channels, act=act)
        self.pconv = BaseConv(in_channels, out_channels, 1, 1, act=act)


def conv_block(depthwise: bool):
    """The 3x3 conv type of a model: `DWConv` if depthwise else `BaseConv`."""
    return DWConv if depthwise else BaseConv


class Bottleneck(nn.Module):
    """1x1 conv -> 3x3 conv, with a residual connection when shapes allow."""

    def __init__(
        self, in_channels, out_channels, shortcut=True, expansion=0.5, depthwise=False, act="silu"
    ):
        super().__init__()
        hidden = int(out_channels * expansion)
        self.conv1 = BaseConv(in_channels, hidden, 1, act=act)
        self.conv2 = conv_block(depthwise)(hidden, out_channels, 3, 1, act=act)
        self.use_add = shortcut and in_channels == out_channels

    def forward(self, x):
        y = self.conv2(self.conv1(x))
        return x + y if self.use_add else y


class CSPLayer(nn.Module):
    """CSP bottleneck with 3 convs (YOLOv5's C3): two 1x1 branches, `n` bottlenecks on one."""

    def __init__(
        self,
        in_channels,
        out_channels,
        n=1,
        shortcut=True,
        expansion=0.5,
        depthwise=False,
        act="silu",
    ):
        super().__init__()
        hidden = int(out_channels * expansion)
        self.conv1 = BaseConv(in_channels, hidden, 1, act=act)
        self.conv2 = BaseConv(in_channels, hidden, 1, act=act)
        self.conv3 = BaseConv(2 * hidden, out_channels, 1, act=act)
        self.m = nn.Sequential(
            *[Bottleneck(hidden, hidden, shortcut, 1.0, depthwise, act=act) for _ in range(n)]
        )

    def forward(self, x):
        return self.conv3(torch.cat([self.m(self.conv1(x)), self.conv2(x)], dim=1))


class SPPBottleneck(nn.Module):
    """Spatial pyramid pooling (max-pool 5/9/13, stride 1) between two 1x1 convs."""

    def __init__(self, in_channels, out_channels, kernel_sizes=(5, 9, 13), act="silu"):
        super().__init__()
        hidden = in_channels // 2
        self.conv1 = BaseConv(in_channels, hidden, 1, act=act)
        self.pools = nn.ModuleList([nn.MaxPool2d(k, 1, k // 2) for k in kernel_sizes])
        self.conv2 = BaseConv(hidden * (len(kernel_sizes) + 1), out_channels, 1, act=act)

    def forward(self, x):
        x = self.conv1(x)
        return self.conv2(torch.cat([x] + [pool(x) for pool in self.pools], dim=1))


class Focus(nn.Module):
    """Space-to-depth (N, C, H, W) -> (N, 4C, H/2, W/2), then a conv."""

    def __init__(self, in_channels, out_channels, ksize=1, stride=1, act="silu"):
        super().__init__()
        self.conv = BaseConv(in_channels * 4, out_channels, ksize, stride, act=act)

    def forward(self, x):
        top_left, top_right = x[..., ::2, ::2], x[..., ::2, 1::2]
        bot_left, bot_right = x[..., 1::2, ::2], x[..., 1::2, 1::2]
        return self.conv(torch.cat([top_left, bot_left, top_right, bot_right], dim=1))
