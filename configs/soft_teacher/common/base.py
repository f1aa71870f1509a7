"""The Soft Teacher base (Xu et al., ICCV 2021; official SoftTeacher configs): the paper's values
with their sources, on COCO partially labeled (1 % of train2017 labeled, fold 1 of 5, the rest
unlabeled), Faster R-CNN R50-FPN, 180k iterations on 8 GPUs (1 labeled + 4 unlabeled images per
GPU). Every Soft Teacher config is a diff over this file (coco_*.py, bccd_10pct.py, demo_cpu.py,
custom.py); the CPU recipe's departures from the paper are in cpu_recipe.py."""

from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

from labeleff.data import num_classes_of, register_coco
from labeleff.evaluation import COCOEvaluator
from labeleff.projects.soft_teacher import SoftTeacher
from labeleff.projects.teacher_student import EMAHook, PseudoLabelVisualizerHook

from ...common.models.faster_rcnn_fpn import model as detector
from ...common.optim import SGD as optimizer
from ...common.schedule import multistep
from ...common.semi_supervised import (
    detection_test_loader,
    teacher_student_trainer,
    train_loader,
    unlabeled_loader,
)
from ...common.train import train
from .data import labeled_mapper, unlabeled_mapper

# ---------------------------------------------------------------- data
dataloader = OmegaConf.create()
dataloader.coco_root = "datasets/coco"  # holds train2017/, val2017/, annotations/semi_supervised/
dataloader.percent = 1  # % of train2017 labeled (paper: 1 / 5 / 10)
dataloader.fold = 1  # split seed 1..5 (STAC / Soft Teacher folds); report the mean over folds

_split = "${dataloader.coco_root}/annotations/semi_supervised/instances_train2017"
datasets = dict(
    labeled=L(register_coco)(
        name="coco_train2017.${dataloader.fold}@${dataloader.percent}",
        json_file=_split + ".${dataloader.fold}@${dataloader.percent}.json",
        image_root="${dataloader.coco_root}/train2017",
    ),
    unlabeled=L(register_coco)(
        name="coco_train2017.${dataloader.fold}@${dataloader.percent}-unlabeled",
        json_file=_split + ".${dataloader.fold}@${dataloader.percent}-unlabeled.json",
        image_root="${dataloader.coco_root}/train2017",
    ),
    val=L(register_coco)(
        name="coco_val2017",
        json_file="${dataloader.coco_root}/annotations/instances_val2017.json",
        image_root="${dataloader.coco_root}/val2017",
    ),
)
# shortest edge uniform in [400, 1200], longest <= 1333; 1 labeled + 4 unlabeled per GPU x 8 GPUs
# (sample ratio 1:4); seeds fixed so that --resume is exact (ENGINE_CONTRACT)
dataloader.train = train_loader(
    "${datasets.labeled.name}", labeled_mapper((400, 1200), 1333), 8, seed=0, num_workers=4
)
dataloader.unlabeled = unlabeled_loader(
    "${datasets.unlabeled.name}", unlabeled_mapper((400, 1200), 1333), 32, seed=1, num_workers=4
)
dataloader.test = detection_test_loader("${datasets.val.name}", 800, 1333, num_workers=4)
dataloader.evaluator = L(COCOEvaluator)(dataset_name="${datasets.val.name}")

# ---------------------------------------------------------------- model
# the class count of the labeled data (COCO: 80; an explicit number is checked against it)
detector.roi_heads.num_classes = L(num_classes_of)(name="${datasets.labeled.name}")
model = L(SoftTeacher)(
    student=detector,
    unsup_weight=4.0,  # alpha, weight of the unsupervised losses (paper: 4.0; full COCO: 2.0)
    eval_model="student",  # what --eval-only evaluates (official test_cfg inference_on=student)
    burn_in_iters=0,  # the paper trains both branches from the first iteration
    pseudo_label_initial_score_thr=0.5,  # teacher detections kept as pseudo-labels above this
    rpn_pseudo_threshold=0.9,  # foreground threshold for RPN targets (paper: 0.9)
    cls_pseudo_threshold=0.9,  # foreground threshold for ROI classification targets (0.9)
    reg_pseudo_threshold=0.02,  # box-jitter uncertainty below this: regression targets (0.02)
    reg_min_score=0.5,  # paper: the initial score threshold (0.5)
    jitter_times=10,  # N_jitter, jittered copies per pseudo box (paper: 10)
    jitter_scale=0.06,  # offset std relative to box w / h (official jitter_scale 0.06)
    min_pseudo_box_size=0.0,  # pseudo boxes need w, h > this (official min_pseduo_box_size 0)
    skip_losses_without_targets=True,  # a term with no pseudo box in the batch: 0 (False: official)
    score_threshold_policy="fixed",  # paper: fixed thresholds; "gmm": per-class (ConsistentTeacher)
    cls_ignore_score_threshold=None,  # paper: None (no ignore band for uncertain pseudo boxes)
    unsup_weight_rampup_iters=0,  # paper: 0 (full unsup weight from the first step)
)

# ---------------------------------------------------------------- schedule
optimizer.lr = 0.01  # SGD, momentum 0.9, weight decay 1e-4 (paper)
train.max_iter = 180000
lr_multiplier = multistep(train.max_iter, steps=(120000, 160000), warmup_iters=500)
# ImageNet R-50 by its Detectron2 model-zoo name (fetched by the checkpointer where a network
# exists); a local Detectron2-format file works too: train.init_checkpoint=/path/to/R-50.pkl
train.init_checkpoint = "detectron2://ImageNetPretrained/MSRA/R-50.pkl"
train.seed = 0  # fixed (official: unset): step draws and loader order follow it (exact --resume)
train.output_dir = "./output/soft_teacher/coco_1pct"
train.eval_period = 4000
train.checkpointer.period = 4000
train.checkpointer.max_to_keep = 20
train.amp.enabled = True  # mixed precision (official fp16 loss_scale=dynamic)
train.trainer = teacher_student_trainer()
train.hooks = [
    # teacher = EMA of the student, official MeanTeacher(momentum=0.999, interval=1, warm_up=0):
    # m_t = min(0.999, 1 - 1 / (t + 1))
    L(EMAHook)(momentum=0.999, interval=1, warmup=0),
    L(PseudoLabelVisualizerHook)(period=0, output_dir="${train.output_dir}"),  # >0: PNGs
]
