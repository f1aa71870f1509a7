"""PS-MT, Cityscapes, 1488 labels (1/2), DeepLabv3+ R-50, 550 epochs (cityscapes_1-8_r50.py
otherwise)."""

import os

from detectron2.config import LazyConfig

from labeleff.data.catalog import datasets_root
from labeleff.projects.ps_mt.schedule import configure_partition

_cfg = LazyConfig.load_rel("cityscapes_1-8_r50.py")
configure_partition(
    datasets=_cfg.datasets,
    model=_cfg.model,
    train=_cfg.train,
    dataset="cityscapes_train",
    num_train_images=2975,
    fraction="1/2",
    epochs=550,
    labeled_batch_size=8,
    unlabeled_batch_size=8,
    split_dir=os.path.join(datasets_root(), "splits"),
)
_cfg.train.output_dir = "./output/ps_mt_cityscapes_1-2_r50"
datasets, dataloader, model = _cfg.datasets, _cfg.dataloader, _cfg.model
optimizer, lr_multiplier, train = _cfg.optimizer, _cfg.lr_multiplier, _cfg.train
