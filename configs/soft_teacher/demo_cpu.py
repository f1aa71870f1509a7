"""Soft Teacher on the project's synthetic demo set, on CPU in a few minutes: a Faster
R-CNN FPN on ImageNet EfficientNet-Lite0 (configs/common/models/faster_rcnn_lite0.py, backbone
frozen), 10 % of the demo `train` split
labeled, the rest unlabeled, evaluated (teacher and student) on `val`.

    python tools/train_net.py --config-file configs/soft_teacher/demo_cpu.py

Paper-scale settings differ where a short CPU schedule needs it (each marked "demo" or "paper:"):
a supervised burn-in gives the teacher detections worth keeping, a faster EMA, and the pseudo-label
recipe measured on BCCD (bccd_10pct.py: per-class thresholds, unsup weight 1, student evaluated).
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import DatasetMapper, get_detection_dataset_dicts

from labeleff.projects.soft_teacher.data import register_demo_partial, soft_teacher_views
from labeleff.projects.teacher_student import (
    EMAHook,
    MultiViewDatasetMapper,
    PseudoLabelVisualizerHook,
    RandomColorOp,
    SemiSupervisedTrainer,
    build_semi_supervised_train_loader,
)

from ..common.data.demo_detection import dataloader
from ..common.data.demo_detection import datasets as _demo_datasets
from ..common.models.faster_rcnn_lite0 import model as detector
from ..common.optim import SGD as optimizer
from ..common.schedule import multistep
from ..common.train import train
from .common.cpu_recipe import cpu_soft_teacher

dataloader.percent = 10  # % of the demo train split labeled
dataloader.seed = 1  # split seed
datasets = dict(
    labeled=L(register_demo_partial)(
        name="demo_train.${dataloader.seed}@${dataloader.percent}",
        percent="${dataloader.percent}",
        seed="${dataloader.seed}",
        unlabeled=False,
    ),
    unlabeled=L(register_demo_partial)(
        name="demo_train.${dataloader.seed}@${dataloader.percent}-unlabeled",
        percent="${dataloader.percent}",
        seed="${dataloader.seed}",
        unlabeled=True,
    ),
    val=_demo_datasets["demo_val"],
)
_short_edge, _max_size = (128, 192), 320  # demo images are 160 x 160
dataloader.train = L(build_semi_supervised_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="${datasets.labeled.name}"),
    mapper=L(DatasetMapper)(
        is_train=True,
        augmentations=[
            L(T.ResizeShortestEdge)(
                short_edge_length=_short_edge, max_size=_max_size, sample_style="range"
            ),
            L(T.RandomFlip)(horizontal=True),
            L(RandomColorOp)(),
        ],
        image_format="BGR",
    ),
    total_batch_size=2,  # demo: 2 labeled + 4 unlabeled (paper: 1 + 4 per GPU on 8 GPUs)
    seed=0,
)
dataloader.unlabeled = L(build_semi_supervised_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="${datasets.unlabeled.name}", filter_empty=False),
    mapper=L(MultiViewDatasetMapper)(
        views=L(soft_teacher_views)(short_edge=_short_edge, max_size=_max_size),
        image_format="BGR",
    ),
    total_batch_size=4,
    seed=0,
)

train.max_iter = 600  # the main job (supervised twin + Soft Teacher) within 10 min on 2 cores
model = cpu_soft_teacher(detector, train.max_iter)  # common/cpu_recipe.py

optimizer.lr = 0.01  # CPU, Lite0 (frozen) + GN-FPN: stable at 0.01
lr_multiplier = multistep(train.max_iter, steps=(400, 533), warmup_iters=67)
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/soft_teacher/demo_cpu"
train.eval_period = 600
train.log_period = 20
train.checkpointer.period = 200
train.vis_period = 1
train.trainer = L(SemiSupervisedTrainer)(unlabeled_data_loader="${dataloader.unlabeled}")
train.hooks = [
    L(EMAHook)(momentum=0.99, interval=1),  # demo: 0.99 for a 600-step run (paper: 0.999)
    L(PseudoLabelVisualizerHook)(period=200, output_dir="${train.output_dir}"),
]
