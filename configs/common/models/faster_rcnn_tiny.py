"""A tiny Faster R-CNN FPN for CPU demos and tests: TinyResNet (BN) + FPN(64) + a small box head.

Same meta-architecture and heads as the R50-FPN config, so every method runs on both.
Trains from scratch (BN, not FrozenBN: FrozenBN without pretrained weights diverges).
"""

from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling.backbone import FPN
from detectron2.modeling.backbone.fpn import LastLevelMaxPool

from labeleff.modeling import TinyResNet

from .faster_rcnn_fpn import model

model.backbone = L(FPN)(
    bottom_up=L(TinyResNet)(channels=(16, 32, 64, 128), blocks_per_stage=1, norm="BN"),
    in_features=["res2", "res3", "res4", "res5"],
    out_channels=64,
    top_block=L(LastLevelMaxPool)(),
)
model.proposal_generator.head.in_channels = 64
model.proposal_generator.anchor_generator.sizes = [[16], [32], [64], [128], [256]]
model.proposal_generator.pre_nms_topk = (600, 300)
model.proposal_generator.post_nms_topk = (300, 300)
model.roi_heads.batch_size_per_image = 128
model.roi_heads.box_head.input_shape = ShapeSpec(channels=64, height=7, width=7)
model.roi_heads.box_head.fc_dims = [256, 256]
model.roi_heads.box_predictor.input_shape = ShapeSpec(channels=256)
model.roi_heads.num_classes = 3
model.pixel_std = [57.375, 57.120, 58.395]
