"""PS-MT on the project's synthetic segmentation demo set (made on first use): DeepLabv3+ on
ImageNet EfficientNet-Lite0 (models/psmt_deeplab_lite0.py), 1/4 of the 64 training images labeled,
the rest unlabeled; a few CPU minutes."""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_test_loader, get_detection_dataset_dicts
from detectron2.evaluation import SemSegEvaluator
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import PolynomialDecayParamScheduler
from omegaconf import OmegaConf

from labeleff.data.catalog import datasets_root
from labeleff.projects.ps_mt import SemSegMapper, StrongPhotometric, demo_segmentation_dataset
from labeleff.projects.teacher_student.data import build_semi_supervised_train_loader
from labeleff.projects.teacher_student.ema import EMAHook
from labeleff.projects.teacher_student.trainer import SemiSupervisedTrainer
from labeleff.schedule import follows_max_iter

from ..common.optim import SGD as optimizer
from ..common.train import train
from .models.psmt_deeplab_lite0 import model

_split = dict(
    split_file=f"{datasets_root()}/splits/ps_mt_demo_train_1-4_seed0.txt",
    split_fraction="1/4",
    split_seed=0,
)
datasets = dict(
    labeled=L(demo_segmentation_dataset)(
        split="train", name="ps_mt_demo_train_labeled", split_part="labeled", **_split
    ),
    unlabeled=L(demo_segmentation_dataset)(
        split="train", name="ps_mt_demo_train_unlabeled", split_part="unlabeled", **_split
    ),
    val=L(demo_segmentation_dataset)(split="val", name="ps_mt_demo_val"),
)

_geometry = [
    L(T.ResizeScale)(min_scale=0.75, max_scale=1.5, target_height=64, target_width=64),
    L(T.FixedSizeCrop)(crop_size=(64, 64), pad=False),
    L(T.RandomFlip)(horizontal=True),
]
dataloader = OmegaConf.create()
dataloader.train = L(build_semi_supervised_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="ps_mt_demo_train_labeled", filter_empty=False),
    mapper=L(SemSegMapper)(augmentations=_geometry, photometric=L(StrongPhotometric)()),
    total_batch_size=4,
    seed=0,  # fixed: exact --resume (ENGINE_CONTRACT)
    num_workers=0,
)
dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="ps_mt_demo_val", filter_empty=False),
    mapper=L(SemSegMapper)(augmentations=[]),
    num_workers=0,
)
dataloader.evaluator = L(SemSegEvaluator)(dataset_name="ps_mt_demo_val", distributed=True)

train.max_iter = 200  # burn-in and ramp-up below follow a train.max_iter override
# PS-MT --warm_up=5 epochs of the labeled loader (16 / 4)
model.burn_in_iters = follows_max_iter(5 * 4, of=train.max_iter)
model.teacher_period = 12  # one "epoch" of the 48 unlabeled images at batch 4
model.rampup_iters = follows_max_iter(40, of=train.max_iter)

optimizer.lr = 0.01
optimizer.weight_decay = 1e-4
lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(PolynomialDecayParamScheduler)(base_value=1.0, power=0.9),  # PS-MT "Poly"
    warmup_length=0.0,
    warmup_factor=1.0,
)

train.eval_period = 100
train.checkpointer.period = 100
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/ps_mt_demo_cpu"
train.trainer = L(SemiSupervisedTrainer)(
    unlabeled_data_loader=L(build_semi_supervised_train_loader)(
        dataset=L(get_detection_dataset_dicts)(
            names="ps_mt_demo_train_unlabeled", filter_empty=False
        ),
        mapper=L(SemSegMapper)(
            augmentations=_geometry, photometric=L(StrongPhotometric)(), two_views=True
        ),
        total_batch_size=4,
        seed=1,  # fixed: exact --resume (ENGINE_CONTRACT)
        num_workers=0,
    )
)
train.hooks = [L(EMAHook)(momentum=0.996, buffers="ema")]  # PS-MT keep rate 0.996
