"""Fg/bg crop classifier (CE + center loss) pretraining a ResNet-50 (BN) on FloW-Img crops.
The export drops BN's num_batches_tracked, so it loads into the FrozenBN R50-FPN detectors
(configs/common/models/faster_rcnn_fpn.py: keys backbone.bottom_up.*).
"""

from detectron2.config import LazyCall as L
from detectron2.modeling.backbone import BasicStem, ResNet
from omegaconf import OmegaConf

from labeleff.projects.pretrain import (
    BackboneClassifier,
    ExportBackboneHook,
    FgBgCropDataset,
    build_pretrain_loader,
)

from ..common.train import train
from .common.flow import CROP_SIZE, datasets
from .common.recipe import Adam as optimizer
from .common.recipe import cosine

model = L(BackboneClassifier)(
    backbone=L(ResNet)(
        stem=L(BasicStem)(in_channels=3, out_channels=64, norm="BN"),
        stages=L(ResNet.make_default_stages)(depth=50, stride_in_1x1=True, norm="BN"),
        out_features=["res2", "res3", "res4", "res5"],  # all stages the detector loads
        freeze_at=0,
    ),
    num_classes=2,
    embed_dim=128,
    center_loss_weight=1.0,  # write-up: CE + center loss, weight 1
    center_alpha=0.5,  # write-up: centers' SGD lr 0.5
)

dataloader = OmegaConf.create()
dataloader.train = L(build_pretrain_loader)(
    dataset=L(FgBgCropDataset)(
        dataset_names="flow_img_train_pretrain",
        size=CROP_SIZE,
        margin=0.2,
        bg_per_image=4,
        bg_max_iou=0.1,
        seed=0,
    ),
    total_batch_size=128,  # write-up
    num_workers=4,
)

train.max_iter = 8000  # ~100 epochs of ~10k crops (write-up: 100 epochs)
train.output_dir = "./output/pretrain_fgbg_center_r50_flow"
train.eval_period = 0
train.checkpointer.period = 2000
train.hooks = [
    L(ExportBackboneHook)(
        out_path="${...output_dir}/backbone_export.pth",
        prefix="backbone.bottom_up.",
        drop_num_batches_tracked=True,
    )
]
lr_multiplier = cosine(warmup_iters=200, max_iter=train.max_iter)
