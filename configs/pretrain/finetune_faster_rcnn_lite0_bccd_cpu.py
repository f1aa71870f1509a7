"""Faster R-CNN FPN on ImageNet EfficientNet-Lite0 fine-tuned on BCCD train, evaluated on BCCD
test (CPU-sized): the tiny fine-tune recipe on configs/common/models/faster_rcnn_lite0.py.
Plain ImageNet baseline: as is; from a Lite0 pretraining (fgbg_center_bccd_lite0_cpu.py,
patch_pretext_bccd_lite0_cpu.py): `train.init_checkpoint=<its output_dir>/backbone_export.pth`.
"""

from ..common.models.faster_rcnn_lite0 import model
from .finetune_faster_rcnn_tiny_bccd_cpu import (
    dataloader,
    datasets,
    lr_multiplier,
    optimizer,
    train,
)

model.roi_heads.num_classes = 3  # RBC, WBC, Platelets
# 5: every backbone stage frozen, so the detector sees exactly the features its init gives (the
# pretrained ones or ImageNet's): the cleanest comparison of inits, and the cheapest CPU step. 3
# also trains res4-res5 (1.6-2.2x a step, faster_rcnn_lite0.py); lower optimizer.lr with it.
model.backbone.bottom_up.freeze_at = 5

train.output_dir = "./output/finetune_faster_rcnn_lite0_bccd_cpu"
# BCCD on frozen Lite0: 0.01 went NaN within 20 iterations after a 1- and a 10-iteration warm-up
# (loss_cls climbing past lr ~0.007); 0.005 ran 14 iterations at peak, loss falling. Tiny: 0.02.
optimizer.lr = 0.005
