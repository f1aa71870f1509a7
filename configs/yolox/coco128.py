"""YOLOX-nano on coco128 (first 128 COCO train2017 images, YOLO txt, converted once to COCO json
with the foundation's YOLO tool): a CPU smoke / benchmark set-up, evaluated on coco128 val2017.

    python tools/train_net.py --config-file configs/yolox/coco128.py model.box_loss=ciou
"""

import os

from detectron2.config import LazyCall as L

from labeleff.data import register_yolo_as_coco, shared_data_root

from ..common.train import train
from .common.model import yolox_model
from .common.recipe import iterations, yolox_dataloader, yolox_hooks, yolox_schedule, yolox_sgd

BATCH = 8
NUM_IMAGES = 128
EPOCHS = 30

datasets = dict(
    coco128_train=L(register_yolo_as_coco)(
        name="coco128_train2017",
        root=os.path.join(shared_data_root(), "coco128"),
        split="train2017",
        class_names=os.path.join(shared_data_root(), "coco128", "config.yaml"),
    ),
    coco128_val=L(register_yolo_as_coco)(
        name="coco128_val2017",
        root="${..coco128_train.root}",
        split="val2017",
        class_names="${..coco128_train.class_names}",
    ),
)
dataloader = yolox_dataloader("coco128_train2017", "coco128_val2017", 320, BATCH, num_workers=0)
# exps/default/yolox_nano.py: mosaic_prob 0.5, mosaic_scale (0.5, 1.5), no mixup.
dataloader.train.dataset.mosaic_prob = 0.5
dataloader.train.dataset.mosaic_scale = (0.5, 1.5)
dataloader.train.dataset.mixup_prob = 0.0
model = yolox_model(depth=0.33, width=0.25, depthwise=True, num_classes=80, input_size=320)
optimizer = yolox_sgd(total_batch_size=BATCH, lr_per_image=0.01 / BATCH)

train.max_iter = iterations(EPOCHS, NUM_IMAGES, BATCH)
_no_aug_iters = iterations(3, NUM_IMAGES, BATCH)
lr_multiplier = yolox_schedule(
    train.max_iter, warmup_iters=iterations(2, NUM_IMAGES, BATCH), no_aug_iters=_no_aug_iters
)
train.hooks = yolox_hooks(no_aug_iters=_no_aug_iters, max_iter=train.max_iter)
train.device = "cpu"
train.seed = 0
train.eval_period = train.max_iter
train.log_period = 20
train.checkpointer.period = train.max_iter
train.output_dir = "./output/yolox_coco128"
