"""PAFPN neck of YOLOX: top-down FPN then bottom-up path aggregation over three backbone levels
(CSPDarknet dark3/4/5, or any Detectron2 Backbone's, e.g. EfficientNetLite res3/4/5)."""

import torch
from detectron2.config import configurable
from detectron2.layers import ShapeSpec
from detectron2.modeling import BACKBONE_REGISTRY, Backbone
from torch import nn

from .backbone import CSPDarknet
from .blocks import BaseConv, CSPLayer, conv_block


@BACKBONE_REGISTRY.register()
class YOLOPAFPN(Backbone):
    """Wraps a `bottom_up` Detectron2 Backbone whose `in_features` are three levels of strides
    s, 2s, 4s (8/16/32) and channels c3/c4/c5, and returns {"p3", "p4", "p5"} with the same channels
    and strides (`in_features=("res3", "res4", "res5")` for EfficientNetLite or a ResNet)."""

    @configurable
    def __init__(
        self,
        *,
        bottom_up: Backbone,
        in_features=("dark3", "dark4", "dark5"),
        depth=0.33,
        depthwise=False,
        act="silu",
    ):
        super().__init__()
        shapes = bottom_up.output_shape()
        missing = [f for f in in_features if f not in shapes]
        if len(in_features) != 3 or missing:
            raise ValueError(
                f"YOLOPAFPN needs 3 in_features of bottom_up, got {in_features} "
                f"(missing {missing}; bottom_up has {list(shapes)})"
            )
        strides = [shapes[f].stride for f in in_features]
        if strides[1] != 2 * strides[0] or strides[2] != 2 * strides[1]:
            # the top-down path upsamples by 2 and the bottom-up path strides by 2
            raise ValueError(
                f"YOLOPAFPN in_features {list(in_features)} have strides {strides}; expected "
                "s, 2s, 4s (e.g. 8, 16, 32)"
            )
        self.bottom_up = bottom_up
        self.in_features = list(in_features)
        c3, c4, c5 = (shapes[f].channels for f in in_features)
        n = round(3 * depth)
        Conv = conv_block(depthwise)

        def csp(c_in, c_out):
            return CSPLayer(c_in, c_out, n, shortcut=False, depthwise=depthwise, act=act)

        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self.lateral_conv0 = BaseConv(c5, c4, 1, act=act)
        self.C3_p4 = csp(2 * c4, c4)
        self.reduce_conv1 = BaseConv(c4, c3, 1, act=act)
        self.C3_p3 = csp(2 * c3, c3)
        self.bu_conv2 = Conv(c3, c3, 3, 2, act=act)
        self.C3_n3 = csp(2 * c3, c4)
        self.bu_conv1 = Conv(c4, c4, 3, 2, act=act)
        self.C3_n4 = csp(2 * c4, c5)
        self._out_features = ["p3", "p4", "p5"]
        self._out_feature_channels = dict(zip(self._out_features, (c3, c4, c5)))
        self._out_feature_strides = dict(zip(self._out_features, strides))

    @classmethod
    def from_config(cls, cfg, input_shape):
        y = cfg.MODEL.YOLOX
        return {
            "bottom_up": CSPDarknet(cfg, input_shape),
            "depth": y.DEPTH,
            "depthwise": y.DEPTHWISE,
            "act": y.ACT,
        }

    @property
    def size_divisibility(self):
        return 32

    def forward(self, x):
        """(N, C, H, W) -> {"p3": (N, c3, H/8, W/8), "p4": (N, c4, H/16, ..), "p5": (N, c5, ..)}."""
        feats = self.bottom_up(x)
        x3, x4, x5 = (feats[f] for f in self.in_features)
        top5 = self.lateral_conv0(x5)
        p4 = self.C3_p4(torch.cat([self.upsample(top5), x4], 1))
        top4 = self.reduce_conv1(p4)
        out3 = self.C3_p3(torch.cat([self.upsample(top4), x3], 1))
        out4 = self.C3_n3(torch.cat([self.bu_conv2(out3), top4], 1))
        out5 = self.C3_n4(torch.cat([self.bu_conv1(out4), top5], 1))
        return {"p3": out3, "p4": out4, "p5": out5}

    def output_shape(self):
        return {
            k: ShapeSpec(
                channels=self._out_feature_channels[k], stride=self._out_feature_strides[k]
            )
            for k in self._out_features
        }
