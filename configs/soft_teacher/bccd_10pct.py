"""Soft Teacher on BCCD blood-cell images (../shared/data/bccd, VOC format, converted to COCO once):
10 % of `train` labeled (split seed 1), the rest of `train` unlabeled, evaluated on `test`; the
Faster R-CNN FPN on ImageNet EfficientNet-Lite0 (frozen backbone) on CPU (the accuracy benchmark,
tools/benchmark_soft_teacher.py). A diff over common/base.py (the paper); the pseudo-label recipe
is common/cpu_recipe.py's.

    python tools/train_net.py --config-file configs/soft_teacher/bccd_10pct.py train.max_iter=3000
"""

import os

from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

from labeleff.data import num_classes_of, shared_data_root
from labeleff.evaluation import COCOEvaluator
from labeleff.projects.teacher_student import EMAHook, PseudoLabelVisualizerHook

from ..common.models.faster_rcnn_lite0 import model as detector
from ..common.schedule import multistep
from ..common.semi_supervised import detection_test_loader, train_loader, unlabeled_loader
from .common.base import optimizer, train
from .common.cpu_recipe import cpu_soft_teacher
from .common.data import labeled_mapper, unlabeled_mapper, voc_or_coco_split

# A VOC folder (Annotations/, JPEGImages/, ImageSets/Main/{train,test}.txt) and its class names,
# or COCO jsons with their image folders (coco_train_json set: voc_root is not used)
dataloader = OmegaConf.create()
dataloader.dataset_name = "bccd"  # prefix of the registered dataset names
dataloader.voc_root = os.path.join(shared_data_root(), "bccd")
dataloader.class_names = ["RBC", "WBC", "Platelets"]
dataloader.coco_train_json = dataloader.coco_train_images = None
dataloader.coco_test_json = dataloader.coco_test_images = None
dataloader.percent = 10  # % of `train` labeled
dataloader.seed = 1  # split seed
datasets = voc_or_coco_split()
_edge, _max = (288, 352), 480  # CPU: BCCD images are 640 x 480 (paper: 400-1200, 1333)
# CPU: 2 labeled + 4 unlabeled per step (paper: 1 + 4 per GPU)
dataloader.train = train_loader("${datasets.labeled.name}", labeled_mapper(_edge, _max), 2, seed=0)
dataloader.unlabeled = unlabeled_loader(
    "${datasets.unlabeled.name}", unlabeled_mapper(_edge, _max), 4, seed=0
)
dataloader.test = detection_test_loader("${datasets.test.name}", 320, _max, num_workers=0)
dataloader.evaluator = L(COCOEvaluator)(dataset_name="${datasets.test.name}")

detector.roi_heads.num_classes = L(num_classes_of)(name="${datasets.labeled.name}")  # BCCD: 3
detector.roi_heads.box_predictor.test_topk_per_image = 100
train.max_iter = 3000  # burn-in and LR steps follow a train.max_iter override
model = cpu_soft_teacher(detector, train.max_iter)  # common/cpu_recipe.py
# the measured BCCD recipe (projects/soft_teacher/README.md) rounds each class's quota per batch:
# every BCCD class gets >= 2 pseudo-labels per 4-image batch, so carrying the remainder matters
# little here
model.frequency_carry = False
optimizer.lr = 0.01  # CPU, Lite0 (frozen) + GN-FPN: stable at 0.01 (paper: 0.01)
lr_multiplier = multistep(train.max_iter, steps=(2000, 2667), warmup_iters=100)
train.init_checkpoint = ""  # the Lite0 backbone loads its own ImageNet weights
train.amp.enabled = False
train.device = "cpu"
train.output_dir = "./output/soft_teacher/bccd_10pct"
train.eval_period = 0  # evaluated at the end
train.log_period = 20
train.checkpointer.period = 1000
train.checkpointer.max_to_keep = 3
train.hooks = [
    L(EMAHook)(momentum=0.99, interval=1),  # CPU: short schedule (paper: 0.999, warm-up 0)
    L(PseudoLabelVisualizerHook)(period=500, output_dir="${train.output_dir}"),
]
