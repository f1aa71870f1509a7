"""CSPDarknet backbone of YOLOX (depth/width multipliers), returning dark3/dark4/dark5."""

from detectron2.config import configurable
from detectron2.layers import ShapeSpec
from detectron2.modeling import BACKBONE_REGISTRY, Backbone
from torch import nn

from .blocks import CSPLayer, Focus, SPPBottleneck, conv_block

_STRIDES = {"stem": 2, "dark2": 4, "dark3": 8, "dark4": 16, "dark5": 32}


def cspdarknet_channels(width: float):
    """Channels of dark3/dark4/dark5 (and so of PAFPN p3/p4/p5) for a width multiplier."""
    base = int(width * 64)
    return [base * 4, base * 8, base * 16]


@BACKBONE_REGISTRY.register()
class CSPDarknet(Backbone):
    """YOLOX's CSPDarknet-53 scaled by `depth` and `width` (s: 0.33/0.50, tiny: 0.33/0.375,
    nano: 0.33/0.25 with depthwise convs). Input (N, 3, H, W) with H, W multiples of 32."""

    @configurable
    def __init__(
        self,
        *,
        depth=0.33,
        width=0.50,
        depthwise=False,
        act="silu",
        out_features=("dark3", "dark4", "dark5"),
        in_channels=3,
    ):
        super().__init__()
        for name in out_features:
            if name not in _STRIDES:
                raise ValueError(f"CSPDarknet out_features: unknown {name!r}, expected {_STRIDES}")
        self._out_features = list(out_features)
        Conv = conv_block(depthwise)
        base = int(width * 64)
        n = max(round(depth * 3), 1)

        def stage(c_in, c_out, n_blocks):
            return [
                Conv(c_in, c_out, 3, 2, act=act),
                CSPLayer(c_out, c_out, n=n_blocks, depthwise=depthwise, act=act),
            ]

        self.stem = Focus(in_channels, base, ksize=3, act=act)
        self.dark2 = nn.Sequential(*stage(base, base * 2, n))
        self.dark3 = nn.Sequential(*stage(base * 2, base * 4, n * 3))
        self.dark4 = nn.Sequential(*stage(base * 4, base * 8, n * 3))
        self.dark5 = nn.Sequential(
            Conv(base * 8, base * 16, 3, 2, act=act),
            SPPBottleneck(base * 16, base * 16, act=act),
            CSPLayer(base * 16, base * 16, n=n, shortcut=False, depthwise=depthwise, act=act),
        )
        channels = {
            "stem": base,
            "dark2": base * 2,
            "dark3": base * 4,
            "dark4": base * 8,
            "dark5": base * 16,
        }
        self._out_feature_channels = {k: channels[k] for k in self._out_features}
        self._out_feature_strides = {k: _STRIDES[k] for k in self._out_features}

    @classmethod
    def from_config(cls, cfg, input_shape):
        y = cfg.MODEL.YOLOX
        return {
            "depth": y.DEPTH,
            "width": y.WIDTH,
            "depthwise": y.DEPTHWISE,
            "act": y.ACT,
            "in_channels": input_shape.channels,
        }

    @property
    def size_divisibility(self):
        return 32

    def forward(self, x):
        """(N, C, H, W) -> {name: (N, C_name, H / stride, W / stride)} for `out_features`."""
        outputs = {}
        for name in ("stem", "dark2", "dark3", "dark4", "dark5"):
            x = getattr(self, name)(x)
            if name in self._out_features:
                outputs[name] = x
            if len(outputs) == len(self._out_features):
                break
        return outputs

    def output_shape(self):
        return {
            k: ShapeSpec(
                channels=self._out_feature_channels[k], stride=self._out_feature_strides[k]
            )
            for k in self._out_features
        }
