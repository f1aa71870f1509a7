"""VGG16-reduced backbone of RefineDet (conv1_1 .. fc7 as convolutions, extras conv6_1/conv6_2)."""

import math
from typing import Dict, List

import torch
import torch.nn.functional as F
from detectron2.layers import ShapeSpec
from detectron2.modeling import BACKBONE_REGISTRY, Backbone
from detectron2.utils.file_io import PathManager
from fvcore.nn.weight_init import c2_xavier_fill
from torch import nn

# (number of 3x3 convs, channels) of the five VGG16 stages.
VGG16_STAGES = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
FC_CHANNELS = 1024  # "reduced" fc6/fc7 (1024 instead of 4096)
CONV6_CHANNELS = (256, 512)  # conv6_1 (1x1), conv6_2 (3x3 stride 2)


def scaled_channels(channels: int, width_mult: float) -> int:
    """Channel count of a layer under the width multiplier (at least 8)."""
    return max(8, int(round(channels * width_mult)))


class L2Norm(nn.Module):
    """Per-position L2 normalisation across channels with a learned per-channel scale
    (Caffe `Normalize`, across_spatial=False, channel_shared=False)."""

    def __init__(self, channels: int, init_scale: float, eps: float = 1e-10):
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), float(init_scale)))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, C, H, W) -> (N, C, H, W)."""
        norm = x.pow(2).sum(dim=1, keepdim=True).sqrt() + self.eps
        return x / norm * self.weight.view(1, -1, 1, 1)


class VGG16Reduced(Backbone):
    """VGG16 with fc6/fc7 as convolutions and the RefineDet extras.

    The official RefineDet builds the base with `VGGNetBody(reduced=True, dilated=False)`: pool5 is
    2x2 stride 2 and fc6 is a 3x3 convolution with dilation 3 (the SSD variant, pool5 3x3 stride 1
    with dilation 6, would put fc7 at stride 16, not the 32 the anchors need). We follow the
    official code. Pooling uses ceil mode, as Caffe does, so odd sizes keep the Caffe layout.

    Outputs (strides): conv4_3 (8, L2-normalised, scale 10), conv5_3 (16, L2-normalised, scale 8),
    fc7 (32), conv6_2 (64).
    """

    def __init__(
        self, width_mult: float = 1.0, conv4_3_scale: float = 10.0, conv5_3_scale: float = 8.0
    ):
        super().__init__()
        self.width_mult = width_mult
        in_ch = 3
        self.stages = nn.ModuleList()
        for num_convs, ch in VGG16_STAGES:
            ch = scaled_channels(ch, width_mult)
            convs = nn.ModuleList()
            for _ in range(num_convs):
                convs.append(nn.Conv2d(in_ch, ch, 3, padding=1))
                in_ch = ch
            self.stages.append(convs)
        fc = scaled_channels(FC_CHANNELS, width_mult)
        self.fc6 = nn.Conv2d(in_ch, fc, 3, padding=3, dilation=3)
        self.fc7 = nn.Conv2d(fc, fc, 1)
        c61, c62 = (scaled_channels(c, width_mult) for c in CONV6_CHANNELS)
        self.conv6_1 = nn.Conv2d(fc, c61, 1)
        self.conv6_2 = nn.Conv2d(c61, c62, 3, stride=2, padding=1)
        c4 = scaled_channels(VGG16_STAGES[3][1], width_mult)
        c5 = scaled_channels(VGG16_STAGES[4][1], width_mult)
        self.conv4_3_norm = L2Norm(c4, conv4_3_scale)
        self.conv5_3_norm = L2Norm(c5, conv5_3_scale)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                c2_xavier_fill(m)  # Caffe "xavier" filler (uniform, fan-in), bias 0
        self._out_features = ["conv4_3", "conv5_3", "fc7", "conv6_2"]
        self._out_feature_channels = {"conv4_3": c4, "conv5_3": c5, "fc7": fc, "conv6_2": c62}
        self._out_feature_strides = {"conv4_3": 8, "conv5_3": 16, "fc7": 32, "conv6_2": 64}

    @property
    def size_divisibility(self) -> int:
        return 64

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        """x: (N, 3, H, W) normalised image -> dict of the four feature maps."""
        outputs = {}
        for i, convs in enumerate(self.stages):
            if i > 0:
                x = F.max_pool2d(x, 2, 2, ceil_mode=True)
            for conv in convs:
                x = F.relu(conv(x), inplace=True)
            if i == 3:
                outputs["conv4_3"] = self.conv4_3_norm(x)
        outputs["conv5_3"] = self.conv5_3_norm(x)
        x = F.max_pool2d(x, 2, 2, ceil_mode=True)
        x = F.relu(self.fc6(x), inplace=True)
        x = F.relu(self.fc7(x), inplace=True)
        outputs["fc7"] = x
        x = F.relu(self.conv6_1(x), inplace=True)
        outputs["conv6_2"] = F.relu(self.conv6_2(x), inplace=True)
        return outputs

    def output_shape(self) -> Dict[str, ShapeSpec]:
        return {
            k: ShapeSpec(
                channels=self._out_feature_channels[k], stride=self._out_feature_strides[k]
            )
            for k in self._out_features
        }


def _torchvision_conv_indices() -> List[int]:
    """Indices of the 13 convolutions in torchvision's `vgg16().features`."""
    indices, i = [], 0
    for num_convs, _ in VGG16_STAGES:
        for _ in range(num_convs):
            indices.append(i)
            i += 2  # conv, relu
        i += 1  # max-pool
    return indices


def convert_torchvision_vgg16(tv_state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Map torchvision's VGG16 `state_dict` onto `VGG16Reduced` (width 1.0) keys.

    fc6/fc7 are "reduced" the way SSD/RefineDet made VGG_ILSVRC_16_layers_fc_reduced: fc6
    (4096 x 512*7*7) becomes a 3x3 kernel with dilation 3 by keeping every 4th output and every 3rd
    spatial tap; fc7 (4096 x 4096) keeps every 4th output and input. fc8 is dropped.
    """
    out = {}
    conv_names = [f"stages.{s}.{c}" for s, (n, _) in enumerate(VGG16_STAGES) for c in range(n)]
    for name, idx in zip(conv_names, _torchvision_conv_indices()):
        out[name + ".weight"] = tv_state[f"features.{idx}.weight"]
        out[name + ".bias"] = tv_state[f"features.{idx}.bias"]
    fc6_w = tv_state["classifier.0.weight"].view(4096, 512, 7, 7)
    out["fc6.weight"] = fc6_w[::4, :, ::3, ::3].contiguous()
    out["fc6.bias"] = tv_state["classifier.0.bias"][::4].contiguous()
    fc7_w = tv_state["classifier.3.weight"]
    out["fc7.weight"] = fc7_w[::4, ::4].contiguous().view(1024, 1024, 1, 1)
    out["fc7.bias"] = tv_state["classifier.3.bias"][::4].contiguous()
    return out


def load_torchvision_vgg16(backbone: VGG16Reduced, path: str) -> List[str]:
    """Load torchvision VGG16 ImageNet weights into `backbone` from a local file or a URL (the
    paper configs name torchvision's `https://download.pytorch.org/models/vgg16-397923af.pth`,
    fetched once into Detectron2's cache where a network exists).

    Returns the names of the backbone parameters left at their initialisation (extras, L2Norm).
    """
    if not math.isclose(backbone.width_mult, 1.0):
        raise ValueError(
            f"ImageNet VGG16 weights ({path}) need width_mult=1.0, got {backbone.width_mult}"
        )
    state = torch.load(PathManager.get_local_path(path), map_location="cpu", weights_only=True)
    if "state_dict" in state:
        state = state["state_dict"]
    missing, unexpected = backbone.load_state_dict(convert_torchvision_vgg16(state), strict=False)
    assert not unexpected, unexpected
    return missing


@BACKBONE_REGISTRY.register()
def build_vgg16_reduced_backbone(cfg, input_shape: ShapeSpec) -> VGG16Reduced:
    """yacs entry: MODEL.VGG.{WIDTH_MULT, WEIGHTS} (optional keys, defaults 1.0 / "")."""
    vgg_cfg = cfg.MODEL.get("VGG", {})
    backbone = VGG16Reduced(width_mult=vgg_cfg.get("WIDTH_MULT", 1.0))
    if vgg_cfg.get("WEIGHTS", ""):
        load_torchvision_vgg16(backbone, vgg_cfg.WEIGHTS)
    return backbone


def build_vgg16_reduced(width_mult: float = 1.0, imagenet_weights: str = "") -> VGG16Reduced:
    """LazyConfig entry: the backbone, with torchvision ImageNet weights from a local path."""
    backbone = VGG16Reduced(width_mult=width_mult)
    if imagenet_weights:
        load_torchvision_vgg16(backbone, imagenet_weights)
    return backbone


def vgg16_reduced_channels(width_mult: float = 1.0) -> List[int]:
    """Channels of (conv4_3, conv5_3, fc7, conv6_2) under the width multiplier (for the head)."""
    return [
        scaled_channels(VGG16_STAGES[3][1], width_mult),
        scaled_channels(VGG16_STAGES[4][1], width_mult),
        scaled_channels(FC_CHANNELS, width_mult),
        scaled_channels(CONV6_CHANNELS[1], width_mult),
    ]
