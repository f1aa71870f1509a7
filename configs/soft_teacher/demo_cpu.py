"""Soft Teacher on the project's synthetic demo set, on CPU in a few minutes: the recipe of
bccd_10pct.py (Faster R-CNN FPN on ImageNet EfficientNet-Lite0, frozen backbone; the CPU
pseudo-label recipe of common/cpu_recipe.py) with 2 % of the demo `train` split labeled (4 of 240
images), the rest unlabeled, 160 px images and 600 iterations, evaluated (teacher and student) on
`val`. The strong view keeps the paper's colour ops, translation and erasing, without its rotation
and shear (measured below).

    python tools/train_net.py --config-file configs/soft_teacher/demo_cpu.py

Paper-scale settings differ where a short CPU schedule needs it (each marked "demo" or "paper:"):
a supervised burn-in gives the teacher detections worth keeping, a faster EMA, and the pseudo-label
recipe measured on BCCD (bccd_10pct.py: per-class thresholds, unsup weight 1, student evaluated).
"""

from detectron2.config import LazyCall as L

from labeleff.data import register_demo_detection
from labeleff.evaluation import COCOEvaluator
from labeleff.projects.soft_teacher.data import register_demo_partial
from labeleff.projects.teacher_student import PseudoLabelVisualizerHook

from ..common.schedule import multistep
from ..common.semi_supervised import detection_test_loader, train_loader, unlabeled_loader
from .bccd_10pct import dataloader, detector, optimizer, train
from .common.cpu_recipe import cpu_soft_teacher
from .common.data import labeled_mapper, unlabeled_mapper

for _key in ("dataset_name", "voc_root", "class_names", "coco_train_json", "coco_train_images"):
    del dataloader[_key]
del dataloader["coco_test_json"], dataloader["coco_test_images"]
# % of the demo train split labeled. With 10 % (24 images) the twin is near what all 240 labeled
# images give at 600 iterations (57.5 vs 62.7 AP), so pseudo-labels have little to add; 2 % leaves
# room (twin 33.5, projects/soft_teacher/README.md)
dataloader.percent = 2
dataloader.seed = 1  # split seed
dataloader.demo_variant = "clear"  # labeleff.data.demo: "clear" or "varied"
_split = dict(
    percent="${dataloader.percent}", seed="${dataloader.seed}", variant="${dataloader.demo_variant}"
)
_name = "demo_${dataloader.demo_variant}_train.${dataloader.seed}@${dataloader.percent}"
datasets = dict(
    labeled=L(register_demo_partial)(name=_name, unlabeled=False, **_split),
    unlabeled=L(register_demo_partial)(name=_name + "-unlabeled", unlabeled=True, **_split),
    val=L(register_demo_detection)(
        name="demo_${dataloader.demo_variant}_val",
        split="val",
        variant="${dataloader.demo_variant}",
    ),
)
_edge, _max = (128, 192), 320  # demo images are 160 x 160
dataloader.train = train_loader("${datasets.labeled.name}", labeled_mapper(_edge, _max), 2, seed=0)
dataloader.unlabeled = unlabeled_loader(
    "${datasets.unlabeled.name}", unlabeled_mapper(_edge, _max), 4, seed=0
)
# demo: no rotated / sheared strong view (paper: 30 degrees each). The box projected through a
# rotation or shear encloses the turned box, looser than the shape inside it, and the student is
# trained on those boxes: at 2 % labeled (split seed 1) the student ends at 37.8 AP without them,
# 35.3 with them
dataloader.unlabeled.mapper.views.rotate = 0.0
dataloader.unlabeled.mapper.views.shear = 0.0
dataloader.test = detection_test_loader("${datasets.val.name}", 160, _max, num_workers=0)
dataloader.evaluator = L(COCOEvaluator)(dataset_name="${datasets.val.name}")

train.max_iter = 600  # the main job (supervised twin + Soft Teacher) within 10 min on 2 cores
model = cpu_soft_teacher(detector, train.max_iter)  # common/cpu_recipe.py
lr_multiplier = multistep(train.max_iter, steps=(400, 533), warmup_iters=67)
train.output_dir = "./output/soft_teacher/demo_cpu"
train.eval_period = 600
train.checkpointer.period = 200
train.vis_period = 1
train.hooks[1] = L(PseudoLabelVisualizerHook)(period=200, output_dir="${train.output_dir}")
