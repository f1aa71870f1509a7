"""PS-MT, VOC 2012 aug, 5291 labels (1/2), DeepLabv3+ R101, 300 epochs (voc_1-8_r50.py
otherwise)."""

import os

from detectron2.config import LazyConfig

from labeleff.data.catalog import datasets_root
from labeleff.projects.ps_mt.schedule import configure_partition

_cfg = LazyConfig.load_rel("voc_1-8_r50.py")
configure_partition(
    datasets=_cfg.datasets,
    model=_cfg.model,
    train=_cfg.train,
    dataset="voc_aug_train",
    num_train_images=10582,
    fraction="1/2",
    epochs=300,
    labeled_batch_size=32,  # global batch, see voc_1-8_r50.py
    unlabeled_batch_size=32,
    split_dir=os.path.join(datasets_root(), "splits"),
)
_cfg.model.student.backbone.depth = 101
_cfg.model.student.backbone.weights = _cfg.model.student.backbone.weights.replace(
    "R-52.pkl", "R-103.pkl"
)
_cfg.train.output_dir = "./output/ps_mt_voc_1-2_r101"
datasets, dataloader, model = _cfg.datasets, _cfg.dataloader, _cfg.model
optimizer, lr_multiplier, train = _cfg.optimizer, _cfg.lr_multiplier, _cfg.train
