"""Soft Teacher on BCCD blood-cell images (../shared/data/bccd, VOC format, converted to COCO once):
10 % of `train` labeled (split seed 1), the rest of `train` unlabeled, evaluated on `test`; the
Faster R-CNN FPN on ImageNet EfficientNet-Lite0 (frozen backbone) on CPU (the accuracy benchmark,
tools/benchmark_soft_teacher.py).

    python tools/train_net.py --config-file configs/soft_teacher/bccd_10pct.py train.max_iter=3000

Settings marked "CPU" differ from the paper for a short CPU schedule.
"""

import os

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import DatasetMapper, build_detection_test_loader, get_detection_dataset_dicts
from omegaconf import OmegaConf

from labeleff.data import shared_data_root
from labeleff.evaluation import COCOEvaluator
from labeleff.projects.soft_teacher.data import (
    register_source,
    register_source_partial,
    soft_teacher_views,
)
from labeleff.projects.teacher_student import (
    EMAHook,
    MultiViewDatasetMapper,
    PseudoLabelVisualizerHook,
    RandomColorOp,
    SemiSupervisedTrainer,
    build_semi_supervised_train_loader,
)

from ..common.models.faster_rcnn_lite0 import model as detector
from ..common.optim import SGD as optimizer
from ..common.schedule import multistep
from ..common.train import train
from .common.cpu_recipe import cpu_soft_teacher

dataloader = OmegaConf.create()
# The data: a VOC folder (Annotations/, JPEGImages/, ImageSets/Main/{train,test}.txt) and its class
# names, or COCO jsons with their image folders (coco_train_json set: voc_root is not used).
dataloader.dataset_name = "bccd"  # prefix of the registered dataset names
dataloader.voc_root = os.path.join(shared_data_root(), "bccd")
dataloader.class_names = ["RBC", "WBC", "Platelets"]
dataloader.coco_train_json = None
dataloader.coco_train_images = None
dataloader.coco_test_json = None
dataloader.coco_test_images = None
dataloader.percent = 10  # % of `train` labeled
dataloader.seed = 1  # split seed
_train = dict(
    voc_root="${dataloader.voc_root}",
    image_set="train",
    class_names="${dataloader.class_names}",
    coco_json="${dataloader.coco_train_json}",
    image_root="${dataloader.coco_train_images}",
)
_split_name = "${dataloader.dataset_name}_train.${dataloader.seed}@${dataloader.percent}"
datasets = dict(
    labeled=L(register_source_partial)(
        name=_split_name,
        percent="${dataloader.percent}",
        seed="${dataloader.seed}",
        unlabeled=False,
        **_train,
    ),
    unlabeled=L(register_source_partial)(
        name=_split_name + "-unlabeled",
        percent="${dataloader.percent}",
        seed="${dataloader.seed}",
        unlabeled=True,
        **_train,
    ),
    test=L(register_source)(
        name="${dataloader.dataset_name}_test",
        voc_root="${dataloader.voc_root}",
        image_set="test",
        class_names="${dataloader.class_names}",
        coco_json="${dataloader.coco_test_json}",
        image_root="${dataloader.coco_test_images}",
    ),
)

_short_edge, _max_size = (288, 352), 480  # CPU: BCCD images are 640 x 480 (paper: 400-1200)
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
    total_batch_size=2,  # CPU: 2 labeled + 4 unlabeled per step (paper: 1 + 4 per GPU)
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
dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="${datasets.test.name}", filter_empty=False),
    mapper=L(DatasetMapper)(
        is_train=False,
        augmentations=[L(T.ResizeShortestEdge)(short_edge_length=320, max_size=_max_size)],
        image_format="BGR",
    ),
    num_workers=0,
)
dataloader.evaluator = L(COCOEvaluator)(dataset_name="${datasets.test.name}")

detector.roi_heads.num_classes = 3
detector.roi_heads.box_predictor.test_topk_per_image = 100
train.max_iter = 3000  # burn-in and LR steps follow a train.max_iter override
model = cpu_soft_teacher(detector, train.max_iter)  # common/cpu_recipe.py

optimizer.lr = 0.01  # CPU, Lite0 (frozen) + GN-FPN: stable at 0.01
lr_multiplier = multistep(train.max_iter, steps=(2000, 2667), warmup_iters=100)
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/soft_teacher/bccd_10pct"
train.eval_period = 0  # evaluated at the end
train.log_period = 20
train.checkpointer.period = 1000
train.trainer = L(SemiSupervisedTrainer)(unlabeled_data_loader="${dataloader.unlabeled}")
train.hooks = [
    L(EMAHook)(momentum=0.99, interval=1),  # CPU: short schedule (paper: 0.999)
    L(PseudoLabelVisualizerHook)(period=500, output_dir="${train.output_dir}"),
]
