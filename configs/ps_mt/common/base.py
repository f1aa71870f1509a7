"""The PS-MT base (Liu et al., CVPR 2022, official code): PASCAL VOC 2012 aug (10582 train / 1449
val), 1323 labels (1/8), DeepLabv3+ R-50, crop 512, 32 labeled + 32 unlabeled images per step at
lr 1e-2, 80 epochs: the official run (scripts/train_voc_aug.sh on 4 GPUs: 8 + 8 per GPU, lr 2.5e-3
times the GPU count in main.py). Every PS-MT config is a diff over this file (voc_*.py through
partitions.py, cityscapes_1-8_r50.py, the CPU recipe camvid.py).

Detectron2 batch sizes are global: on fewer GPUs keep 32 + 32 if memory allows, else scale the lr
linearly with the batch (`optimizer.lr=0.0025 dataloader.train.total_batch_size=8
train.trainer.unlabeled_data_loader.total_batch_size=8`; the schedule follows the batch).
Data: `datasets/VOC2012/{JPEGImages,SegmentationClassAug,ImageSets/Segmentation}`; ImageNet
weights (key `model.student.backbone.weights`): Detectron2's DeepLab R-52 (deep stem; R-103 for
R-101) by its model-zoo name `detectron2://DeepLab/R-52.pkl`, or a local file."""

import os

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import PolynomialDecayParamScheduler

from labeleff.data import num_classes_of, register_voc_aug
from labeleff.data.catalog import datasets_root
from labeleff.projects.teacher_student import EMAHook

from ...common.optim import SGD as optimizer
from ...common.train import train
from ..models.psmt_deeplab_r50 import model
from .data import psmt_loaders
from .partitions import split_schedule

VOC_ROOT = os.path.join(datasets_root(), "VOC2012")
_voc = dict(root=VOC_ROOT, split="train_aug")
datasets = dict(
    labeled=L(register_voc_aug)(name="voc_aug_train_labeled", split_part="labeled", **_voc),
    unlabeled=L(register_voc_aug)(name="voc_aug_train_unlabeled", split_part="unlabeled", **_voc),
    val=L(register_voc_aug)(name="voc_val", root=VOC_ROOT, split="val"),
)

BATCH = 32  # global: 4 GPUs x batch_size 8 (labeled), the same unlabeled (official VOC runs)
_geometry = [
    # longer side uniform in [300, 1200] (base_size 600, scale 0.5-2.0), pad + crop 512, flip
    L(T.ResizeScale)(min_scale=0.5, max_scale=2.0, target_height=600, target_width=600),
    L(T.FixedSizeCrop)(crop_size=(512, 512), pad=True, pad_value=124.0, seg_pad_value=255),
    L(T.RandomFlip)(horizontal=True),
]
# full images for evaluation, as the official validation
dataloader, _trainer = psmt_loaders(_geometry, BATCH, num_workers=4, test_augmentations=[])

# the class count of the labeled data (VOC: 21; an explicit number is checked against it)
model.student.sem_seg_head.num_classes = L(num_classes_of)(
    name="${datasets.labeled.name}", key="stuff_classes"
)
model.unsup_weight = 1.5  # VOC `unsupervised_w`
optimizer.lr = 0.01  # official: 2.5e-3 x 4 GPUs (main.py); SGD momentum 0.9, weight decay 1e-4
optimizer.weight_decay = 1e-4
lr_multiplier = L(WarmupParamScheduler)(  # "Poly": lr x (1 - iter / max_iter) ^ 0.9, no warm-up
    scheduler=L(PolynomialDecayParamScheduler)(base_value=1.0, power=0.9),
    warmup_length=0.0,
    warmup_factor=1.0,
)

# ImageNet weights by their Detectron2 model-zoo name (the checkpointer fetches them where a network
# exists) or a local file; loaded into the student backbone before the teachers copy it
model.student.backbone.weights = "detectron2://DeepLab/R-52.pkl"
train.eval_period = 5000
train.checkpointer.period = 5000
train.seed = 42  # the official main.py seed
train.output_dir = "./output/ps_mt_voc_1-8_r50"
train.trainer = _trainer
train.hooks = [L(EMAHook)(momentum=0.996, buffers="ema")]  # keep rate 0.996, BN stats averaged

# 1/16: 80, 1/8: 80, 1/4: 200, 1/2: 300 epochs
split_schedule(datasets, model, train, "voc_aug_train", 10582, "1/8", epochs=80, batch=BATCH)
