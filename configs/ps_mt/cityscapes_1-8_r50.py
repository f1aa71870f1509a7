"""PS-MT, Cityscapes fine (2975 train / 500 val), 372 labels (1/8), DeepLabv3+ R-50, crop 800,
320 epochs, unsupervised weight 3.0 (CityCode/configs + scripts/train_city.sh); a diff over
common/base.py (the VOC run). Data: `datasets/cityscapes/{leftImg8bit,gtFine}` with
`*_labelTrainIds.png`. Difference: the official Cityscapes supervised loss is OHEM CE (thresh 0.7);
here plain CE."""

import os

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L

from labeleff.data import register_cityscapes
from labeleff.data.catalog import datasets_root

from .common.base import dataloader, lr_multiplier, model, optimizer, train
from .common.partitions import split_schedule

CITYSCAPES_ROOT = os.path.join(datasets_root(), "cityscapes")
_train = dict(root=CITYSCAPES_ROOT, split="train")
datasets = dict(
    labeled=L(register_cityscapes)(name="cityscapes_train_labeled", split_part="labeled", **_train),
    unlabeled=L(register_cityscapes)(
        name="cityscapes_train_unlabeled", split_part="unlabeled", **_train
    ),
    val=L(register_cityscapes)(name="cityscapes_val", root=CITYSCAPES_ROOT, split="val"),
)
_geometry = [
    # base_size [1024, 2048] times a scale in [0.5, 2.0], pad + crop 800, flip
    L(T.ResizeScale)(min_scale=0.5, max_scale=2.0, target_height=1024, target_width=2048),
    L(T.FixedSizeCrop)(crop_size=(800, 800), pad=True, pad_value=124.0, seg_pad_value=255),
    L(T.RandomFlip)(horizontal=True),
]
BATCH = 8  # global labeled = unlabeled batch of the Cityscapes runs (the epochs below use it)
for _loader in (dataloader.train, train.trainer.unlabeled_data_loader):
    _loader.mapper.augmentations = _geometry
    _loader.total_batch_size = BATCH
train.output_dir = "./output/ps_mt_cityscapes_1-8_r50"

model.unsup_weight = 3.0  # Cityscapes `unsupervised_w`
optimizer.lr = 4.5e-3  # CityCode config: SGD lr 4.5e-3

# 1/8: 320, 1/4: 450, 1/2: 550 epochs
split_schedule(datasets, model, train, "cityscapes_train", 2975, "1/8", epochs=320, batch=BATCH)
