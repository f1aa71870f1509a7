"""PS-MT, Cityscapes fine (2975 train / 500 val), 372 labels (1/8), DeepLabv3+ R-50, crop 800,
320 epochs, unsupervised weight 3.0 (CityCode/configs + scripts/train_city.sh); voc_1-8_r50.py
otherwise. Data: `datasets/cityscapes/{leftImg8bit,gtFine}` with `*_labelTrainIds.png`.
Difference: the official Cityscapes supervised loss is OHEM CE (thresh 0.7); here plain CE."""

import os

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.config import LazyConfig

from labeleff.data.catalog import datasets_root
from labeleff.projects.ps_mt import register_cityscapes
from labeleff.projects.ps_mt.schedule import configure_partition

_cfg = LazyConfig.load_rel("voc_1-8_r50.py")
CITYSCAPES_ROOT = os.path.join(datasets_root(), "cityscapes")
datasets = dict(
    labeled=L(register_cityscapes)(
        name="cityscapes_train_labeled", root=CITYSCAPES_ROOT, split="train", split_part="labeled"
    ),
    unlabeled=L(register_cityscapes)(
        name="cityscapes_train_unlabeled",
        root=CITYSCAPES_ROOT,
        split="train",
        split_part="unlabeled",
    ),
    val=L(register_cityscapes)(name="cityscapes_val", root=CITYSCAPES_ROOT, split="val"),
)
_geometry = [
    # base_size [1024, 2048] times a scale in [0.5, 2.0], pad + crop 800, flip
    L(T.ResizeScale)(min_scale=0.5, max_scale=2.0, target_height=1024, target_width=2048),
    L(T.FixedSizeCrop)(crop_size=(800, 800), pad=True, pad_value=124.0, seg_pad_value=255),
    L(T.RandomFlip)(horizontal=True),
]
dataloader = _cfg.dataloader
dataloader.train.dataset.names = "cityscapes_train_labeled"
dataloader.train.mapper.augmentations = _geometry
dataloader.test.dataset.names = "cityscapes_val"
dataloader.evaluator.dataset_name = "cityscapes_val"
train = _cfg.train
train.trainer.unlabeled_data_loader.dataset.names = "cityscapes_train_unlabeled"
train.trainer.unlabeled_data_loader.mapper.augmentations = _geometry
train.output_dir = "./output/ps_mt_cityscapes_1-8_r50"

model = _cfg.model
model.student.sem_seg_head.num_classes = 19
model.unsup_weight = 3.0  # Cityscapes `unsupervised_w`
optimizer = _cfg.optimizer
optimizer.lr = 4.5e-3  # CityCode config: SGD lr 4.5e-3
lr_multiplier = _cfg.lr_multiplier

configure_partition(
    datasets=datasets,
    model=model,
    train=train,
    dataset="cityscapes_train",
    num_train_images=2975,
    fraction="1/8",
    epochs=320,  # 1/8: 320, 1/4: 450, 1/2: 550 epochs
    labeled_batch_size=8,
    unlabeled_batch_size=8,
    split_dir=os.path.join(datasets_root(), "splits"),
)
