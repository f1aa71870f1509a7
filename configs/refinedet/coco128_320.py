"""RefineDet320 on coco128 (../shared/data/coco128, YOLO labels converted once to COCO json under
datasets/coco128 with labeleff.data.convert_yolo): train on train2017 (128 images), test on
val2017 (128 images). A smoke-training config; width and schedule are CPU-sized keys.

    python tools/train_net.py --config-file configs/refinedet/coco128_320.py
"""

import os

from detectron2.config import LazyCall as L

from labeleff.data import register_yolo_as_coco, shared_data_root

from ..common.schedule import multistep
from ..common.train import train
from .common.data import dataloader
from .common.model import model
from .common.optim import SGD as optimizer

COCO128 = os.path.join(shared_data_root(), "coco128")
datasets = {
    split: L(register_yolo_as_coco)(
        name=f"coco128_{split}",
        root=COCO128,
        split=split,
        class_names=os.path.join(COCO128, "config.yaml"),
    )
    for split in ("train2017", "val2017")
}

model.num_classes = 80
model.test_size = 320
model.backbone.width_mult = 0.25
model.vote = "soft_bbox_vote"
model.soft_nms_iou_threshold = 0.3  # official single-scale COCO test: linear Soft-NMS
model.test_scales.coco = True

dataloader.train.dataset.names = "coco128_train2017"
dataloader.train.mapper.augmentations.size = 320
dataloader.train.total_batch_size = 8
dataloader.train.num_workers = 0
dataloader.test.dataset.names = "coco128_val2017"
dataloader.test.num_workers = 0

optimizer.lr = 1e-3  # paper value; from scratch without BN, higher rates diverge
train.max_iter = 2000
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/refinedet_coco128_320"
train.eval_period = 2000
train.log_period = 20
train.checkpointer.period = 1000
lr_multiplier = multistep(train.max_iter, steps=(1500, 1800), warmup_iters=100)
