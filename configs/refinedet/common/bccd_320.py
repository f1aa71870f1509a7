"""BCCD at 320 for the CPU comparison on ImageNet EfficientNet-Lite0 (RefineDet, RetinaNet, Faster
R-CNN: configs/refinedet/bccd_*_320.py, configs/baselines/*_lite0_bccd_320.py): all of `train`
(205 images) with RefineDet's SSD augmentation warped to 320 x 320, tested on `test` (72 images)
warped to 320 x 320, COCO AP; one CPU schedule. Each method keeps its own optimizer."""

import os

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L

from labeleff.data import register_voc_as_coco, shared_data_root

from ...common.schedule import multistep
from ...common.train import train
from .data import dataloader

SIZE = 320  # BCCD images are 640 x 480: platelets become ~15-20 px
BCCD = os.path.join(shared_data_root(), "bccd")
datasets = dict(
    train=L(register_voc_as_coco)(
        name="bccd_voc_train",
        voc_root=BCCD,  # <repo>/../shared/data/bccd
        image_set="train",
        class_names=["RBC", "WBC", "Platelets"],
    ),
    test=L(register_voc_as_coco)(
        name="bccd_voc_test",
        voc_root="${..train.voc_root}",
        image_set="test",
        class_names="${..train.class_names}",
    ),
)

dataloader.train.dataset.names = "${datasets.train.name}"
dataloader.train.mapper.augmentations.size = SIZE
dataloader.train.total_batch_size = 8  # CPU (paper: 32)
dataloader.train.num_workers = 0
dataloader.test.dataset.names = "${datasets.test.name}"
dataloader.test.num_workers = 0
# RefineDet warps test images itself (model.test_size); the Detectron2 detectors get them warped.
warped_test_augmentations = [L(T.Resize)(shape=(SIZE, SIZE))]

train.max_iter = 300
train.device = "cpu"
train.seed = 0
train.eval_period = 0  # evaluated at the end
train.log_period = 20
train.checkpointer.period = 1000
# Warm-up and steps in percent of the run (LRMultiplier reads train.max_iter), so
# `train.max_iter=N` on the command line rescales them: 10 % warm-up, x0.1 at 75 % and 90 %.
lr_multiplier = multistep(100, steps=(75, 90), warmup_iters=10)
