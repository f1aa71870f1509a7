"""A small ResNet-like backbone (BN, basic blocks) for CPU demos and tests.

Outputs `res2..res5` at strides 4/8/16/32 like Detectron2's ResNet, so FPN and every head that
takes ResNet features work unchanged; it trains from scratch in minutes on 160 px images.
"""

from typing import Sequence

from detectron2.layers import Conv2d, ShapeSpec, get_norm
from detectron2.modeling import BACKBONE_REGISTRY, Backbone
from detectron2.modeling.backbone.fpn import FPN, LastLevelMaxPool
from detectron2.modeling.backbone.resnet import BasicBlock
from torch import nn

__all__ = ["TinyResNet", "build_tiny_resnet_fpn_backbone"]


class TinyResNet(Backbone):
    """Stem (conv 3x3 s2 + conv 3x3 s2) then 4 stages of `BasicBlock`s.

    Input (N, 3, H, W) -> {"res2": (N, C2, H/4, W/4), ..., "res5": (N, C5, H/32, W/32)}.
    """

    def __init__(
        self,
        channels: Sequence[int] = (16, 32, 64, 128),
        blocks_per_stage: int = 1,
        norm: str = "BN",
        out_features: Sequence[str] = ("res2", "res3", "res4", "res5"),
    ):
        super().__init__()
        c2 = channels[0]
        self.stem = nn.Sequential(
            Conv2d(
                3,
                c2,
                3,
                stride=2,
                padding=1,
                bias=False,
                norm=get_norm(norm, c2),
                activation=nn.ReLU(),
            ),
            Conv2d(
                c2,
                c2,
                3,
                stride=2,
                padding=1,
                bias=False,
                norm=get_norm(norm, c2),
                activation=nn.ReLU(),
            ),
        )
        self.stage_names = ["res2", "res3", "res4", "res5"]
        in_c = c2
        for i, (name, out_c) in enumerate(zip(self.stage_names, channels)):
            blocks = []
            for b in range(blocks_per_stage):
                stride = 2 if (i > 0 and b == 0) else 1
                blocks.append(BasicBlock(in_c, out_c, stride=stride, norm=norm))
                in_c = out_c
            self.add_module(name, nn.Sequential(*blocks))
        self._out_features = list(out_features)
        self._out_feature_channels = dict(zip(self.stage_names, channels))
        self._out_feature_strides = {n: 4 * 2**i for i, n in enumerate(self.stage_names)}

    def forward(self, x):
        x = self.stem(x)
        out = {}
        for name in self.stage_names:
            x = getattr(self, name)(x)
            if name in self._out_features:
                out[name] = x
        return out

    def output_shape(self):
        return {
            n: ShapeSpec(
                channels=self._out_feature_channels[n], stride=self._out_feature_strides[n]
            )
            for n in self._out_features
        }


@BACKBONE_REGISTRY.register()
def build_tiny_resnet_fpn_backbone(cfg, input_shape):
    """yacs entry (`MODEL.BACKBONE.NAME = "build_tiny_resnet_fpn_backbone"`), FPN out 64
    channels."""
    bottom_up = TinyResNet()
    return FPN(
        bottom_up=bottom_up,
        in_features=["res2", "res3", "res4", "res5"],
        out_channels=64,
        norm="",
        top_block=LastLevelMaxPool(),
    )
