"""ImageNet EfficientNet-Lite0 as RefineDet's backbone (the CPU configs; the paper's is vgg.py):
res3 / res4 / res5 plus one extra stride-2 block are the four ARM sources at strides 8/16/32/64."""

from typing import Dict, List, Sequence

import torch
import torch.nn.functional as F
from detectron2.layers import ShapeSpec
from detectron2.modeling import BACKBONE_REGISTRY, Backbone
from fvcore.nn.weight_init import c2_xavier_fill
from torch import nn

from labeleff.modeling import EfficientNetLite

from .vgg import L2Norm

SOURCES = ("res3", "res4", "res5")  # bottom-up maps used, strides 8, 16, 32
SOURCE_STRIDES = (8, 16, 32)
LITE0_CHANNELS = (40, 112, 320)  # EfficientNet-Lite0 res3, res4, res5
EXTRA = "res6"  # the extra block's output, stride 64


class Lite0RefineDetBackbone(Backbone):
    """`bottom_up` (an `EfficientNetLite` with res3..res5) + an extra block (1x1 conv - ReLU -
    3x3 stride-2 conv - ReLU, as VGG's conv6_1 / conv6_2).

    res3 and res4 are L2-normalised with a learned scale, as VGG's conv4_3 / conv5_3: Lite0's
    linear-bottleneck outputs have per-position norms of ~40-57 (BCCD at 320), so unnormalised the
    xavier-initialised ARM / TCB convolutions would start with logits of std ~6.

    Input: (N, 3, H, W) normalised images. Outputs: {"res3": (N, 40, H/8, W/8), "res4":
    (N, 112, H/16, W/16), "res5": (N, 320, H/32, W/32), "res6": (N, C6, H/64, W/64)} (sizes
    rounded up: Lite0 pads like TF "same", the extra convolution pads 1).
    """

    def __init__(
        self,
        bottom_up: Backbone,
        extra_channels: Sequence[int] = (128, 256),
        res3_scale: float = 10.0,
        res4_scale: float = 8.0,
    ):
        """
        Args:
            bottom_up: gives res3, res4, res5 at strides 8, 16, 32 (its own freezing applies).
            extra_channels: channels of the extra 1x1 and 3x3 stride-2 convolutions.
            res3_scale, res4_scale: initial L2Norm scales (official conv4_3 / conv5_3: 10 / 8).
        """
        super().__init__()
        shapes = bottom_up.output_shape()
        for name, stride in zip(SOURCES, SOURCE_STRIDES):
            if name not in shapes or shapes[name].stride != stride:
                raise ValueError(
                    f"Lite0RefineDetBackbone: bottom_up must output '{name}' at stride {stride}, "
                    f"got {({k: s.stride for k, s in shapes.items()})}"
                )
        self.bottom_up = bottom_up
        c3, c4, c5 = (shapes[name].channels for name in SOURCES)
        c61, c62 = extra_channels
        self.res3_norm = L2Norm(c3, res3_scale)
        self.res4_norm = L2Norm(c4, res4_scale)
        self.extra_1x1 = nn.Conv2d(c5, c61, 1)
        self.extra_3x3 = nn.Conv2d(c61, c62, 3, stride=2, padding=1)
        for conv in (self.extra_1x1, self.extra_3x3):
            c2_xavier_fill(conv)  # as VGG's extras (Caffe "xavier", bias 0)
        self._out_features = [*SOURCES, EXTRA]
        self._out_feature_channels = {"res3": c3, "res4": c4, "res5": c5, EXTRA: c62}
        self._out_feature_strides = dict(zip(self._out_features, (*SOURCE_STRIDES, 64)))

    @property
    def size_divisibility(self) -> int:
        return 64

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        """x: (N, 3, H, W) normalised image -> dict of the four feature maps."""
        feats = self.bottom_up(x)
        res5 = feats["res5"]
        extra = F.relu(self.extra_3x3(F.relu(self.extra_1x1(res5))), inplace=True)
        return {
            "res3": self.res3_norm(feats["res3"]),
            "res4": self.res4_norm(feats["res4"]),
            "res5": res5,
            EXTRA: extra,
        }

    def output_shape(self) -> Dict[str, ShapeSpec]:
        return {
            k: ShapeSpec(
                channels=self._out_feature_channels[k], stride=self._out_feature_strides[k]
            )
            for k in self._out_features
        }


def lite0_refinedet_channels(extra_channels: Sequence[int] = (128, 256)) -> List[int]:
    """Channels of (res3, res4, res5, res6) of `Lite0RefineDetBackbone` (for the head)."""
    return [*LITE0_CHANNELS, extra_channels[-1]]


@BACKBONE_REGISTRY.register()
def build_lite0_refinedet_backbone(cfg, input_shape: ShapeSpec) -> Lite0RefineDetBackbone:
    """yacs entry: `EfficientNetLite` from its keys (MODEL.BACKBONE.FREEZE_AT, INPUT.FORMAT,
    optional MODEL.EFFICIENTNET_LITE) + MODEL.REFINEDET_LITE0.{EXTRA_CHANNELS, RES3_SCALE,
    RES4_SCALE}. Set MODEL.REFINEDET.IN_FEATURES to res3..res6 and MODEL.PIXEL_MEAN / PIXEL_STD to
    `LITE0_PIXEL_MEAN` / `LITE0_PIXEL_STD`."""
    lite = cfg.MODEL.REFINEDET_LITE0
    return Lite0RefineDetBackbone(
        EfficientNetLite(cfg, input_shape),
        extra_channels=lite.EXTRA_CHANNELS,
        res3_scale=lite.RES3_SCALE,
        res4_scale=lite.RES4_SCALE,
    )
