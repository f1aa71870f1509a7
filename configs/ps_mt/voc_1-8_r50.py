"""PS-MT, PASCAL VOC 2012 aug (10582 train / 1449 val), 1323 labels (1/8), DeepLabv3+ R-50,
crop 512, 32 labeled + 32 unlabeled images per step at lr 1e-2, 80 epochs: the official run
(scripts/train_voc_aug.sh on 4 GPUs: 8 + 8 per GPU, lr 2.5e-3 times the GPU count in main.py).
Detectron2 batch sizes are global: on fewer GPUs keep 32 + 32 if memory allows, else scale the lr
linearly with the batch (`optimizer.lr=0.0025 dataloader.train.total_batch_size=8
train.trainer.unlabeled_data_loader.total_batch_size=8`; the schedule follows the batch).
Data: `datasets/VOC2012/{JPEGImages,SegmentationClassAug,ImageSets/Segmentation}`; ImageNet
weights (key `model.student.backbone.weights`): `datasets/pretrained/DeepLab/R-52.pkl`
(Detectron2's DeepLab R-52, deep stem; R-103.pkl for R-101)."""

import os

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_test_loader, get_detection_dataset_dicts
from detectron2.evaluation import SemSegEvaluator
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import PolynomialDecayParamScheduler
from omegaconf import OmegaConf

from labeleff.data.catalog import datasets_root
from labeleff.projects.ps_mt import SemSegMapper, StrongPhotometric, register_voc_aug
from labeleff.projects.ps_mt.schedule import configure_partition
from labeleff.projects.teacher_student.data import build_semi_supervised_train_loader
from labeleff.projects.teacher_student.ema import EMAHook
from labeleff.projects.teacher_student.trainer import SemiSupervisedTrainer

from ..common.optim import SGD as optimizer
from ..common.train import train
from .models.psmt_deeplab_r50 import model

VOC_ROOT = os.path.join(datasets_root(), "VOC2012")
datasets = dict(
    labeled=L(register_voc_aug)(
        name="voc_aug_train_labeled", root=VOC_ROOT, split="train_aug", split_part="labeled"
    ),
    unlabeled=L(register_voc_aug)(
        name="voc_aug_train_unlabeled", root=VOC_ROOT, split="train_aug", split_part="unlabeled"
    ),
    val=L(register_voc_aug)(name="voc_val", root=VOC_ROOT, split="val"),
)

BATCH = 32  # global: 4 GPUs x batch_size 8 (labeled), the same unlabeled (official VOC runs)
_geometry = [
    # longer side uniform in [300, 1200] (base_size 600, scale 0.5-2.0), pad + crop 512, flip
    L(T.ResizeScale)(min_scale=0.5, max_scale=2.0, target_height=600, target_width=600),
    L(T.FixedSizeCrop)(crop_size=(512, 512), pad=True, pad_value=124.0, seg_pad_value=255),
    L(T.RandomFlip)(horizontal=True),
]
dataloader = OmegaConf.create()
dataloader.train = L(build_semi_supervised_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="voc_aug_train_labeled", filter_empty=False),
    mapper=L(SemSegMapper)(augmentations=_geometry, photometric=L(StrongPhotometric)()),
    total_batch_size=BATCH,
    seed=0,  # fixed: exact --resume (ENGINE_CONTRACT)
    num_workers=4,
)
dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="voc_val", filter_empty=False),
    mapper=L(SemSegMapper)(augmentations=[]),  # full images, as the official validation
    num_workers=4,
)
dataloader.evaluator = L(SemSegEvaluator)(dataset_name="voc_val")

model.unsup_weight = 1.5  # VOC `unsupervised_w`

optimizer.lr = 0.01  # official: 2.5e-3 x 4 GPUs (main.py); SGD momentum 0.9, weight decay 1e-4
optimizer.weight_decay = 1e-4
lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(PolynomialDecayParamScheduler)(base_value=1.0, power=0.9),  # "Poly"
    warmup_length=0.0,
    warmup_factor=1.0,
)

# ImageNet weights (a local path; loaded into the student backbone before the teachers copy it)
model.student.backbone.weights = os.path.join(datasets_root(), "pretrained", "DeepLab", "R-52.pkl")
train.eval_period = 5000
train.checkpointer.period = 5000
train.seed = 42  # the official main.py seed
train.output_dir = "./output/ps_mt_voc_1-8_r50"
train.trainer = L(SemiSupervisedTrainer)(
    unlabeled_data_loader=L(build_semi_supervised_train_loader)(
        dataset=L(get_detection_dataset_dicts)(names="voc_aug_train_unlabeled", filter_empty=False),
        mapper=L(SemSegMapper)(
            augmentations=_geometry, photometric=L(StrongPhotometric)(), two_views=True
        ),
        total_batch_size=BATCH,
        seed=1,  # fixed: exact --resume (ENGINE_CONTRACT)
        num_workers=4,
    )
)
train.hooks = [L(EMAHook)(momentum=0.996, buffers="ema")]  # keep rate 0.996, BN stats averaged

configure_partition(
    datasets=datasets,
    model=model,
    train=train,
    dataset="voc_aug_train",
    num_train_images=10582,
    fraction="1/8",
    epochs=80,  # 1/16: 80, 1/8: 80, 1/4: 200, 1/2: 300 epochs
    labeled_batch_size=BATCH,
    unlabeled_batch_size=BATCH,
    split_dir=os.path.join(datasets_root(), "splits"),
)
