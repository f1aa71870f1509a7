"""MIC on a small real domain shift for CPU runs: source coco128 (clear, train2017 + val2017, 152
images with the 6 shared classes), target DAWN fog (104 images; its labels are hidden in training).
As in the small DA benchmarks (Clipart1k, Watercolor2k) the target images are also the test set.
Faster R-CNN FPN on ImageNet EfficientNet-Lite0 (packaged in a PyPI wheel, frozen backbone).

    python tools/train_net.py --config-file configs/mic_uda/coco128_to_dawnfog.py
    ... model.mic=False                                      # base UDA only
    configs/mic_uda/coco128_to_dawnfog_source_only.py        # the source-only twin
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import DatasetMapper, build_detection_test_loader, get_detection_dataset_dicts
from omegaconf import OmegaConf

from labeleff.data import shared_data_root
from labeleff.evaluation import COCOEvaluator
from labeleff.projects.mic_uda import MIC, RandomColorJitter, RandomGaussianBlur
from labeleff.projects.mic_uda.datasets import register_coco128_shared, register_dawn_fog
from labeleff.projects.mic_uda.mapper import SharedGeometryViewMapper
from labeleff.projects.teacher_student import (
    EMAHook,
    SemiSupervisedTrainer,
    build_semi_supervised_train_loader,
)

from ..common.models.faster_rcnn_lite0 import model as detector
from ..common.optim import SGD as optimizer
from ..common.schedule import multistep
from ..common.train import train

dataloader = OmegaConf.create()
dataloader.data_root = shared_data_root()  # holds coco128/ and dawn_fog/
datasets = dict(
    source=L(register_coco128_shared)(
        name="coco128_shared6", root="${dataloader.data_root}/coco128"
    ),
    target=L(register_dawn_fog)(name="dawn_fog_shared6", root="${dataloader.data_root}/dawn_fog"),
)

_resize = L(T.ResizeShortestEdge)(
    short_edge_length=(288, 320, 352), sample_style="choice", max_size=576
)
dataloader.train = L(build_semi_supervised_train_loader)(  # source, labeled
    dataset=L(get_detection_dataset_dicts)(names="${datasets.source.name}"),
    mapper=L(DatasetMapper)(
        is_train=True,
        augmentations=[_resize, L(T.RandomFlip)(horizontal=True)],
        image_format="BGR",
    ),
    total_batch_size=2,  # MIC: 2 source + 2 target images per step
    seed=0,
)
dataloader.unlabeled = L(build_semi_supervised_train_loader)(  # target, labels hidden
    dataset=L(get_detection_dataset_dicts)(names="${datasets.target.name}", filter_empty=False),
    mapper=L(SharedGeometryViewMapper)(
        geometric=[_resize, L(T.RandomFlip)(horizontal=True)],
        # masked view: colour jitter (s 0.2, applied iff U > 0.2) and blur (p 0.5), per sample
        photometric=[L(RandomColorJitter)(strength=0.2, prob=0.8), L(RandomGaussianBlur)(prob=0.5)],
        image_format="BGR",
    ),
    total_batch_size=2,
    seed=1,
)
dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="${datasets.target.name}", filter_empty=False),
    mapper=L(DatasetMapper)(
        is_train=False,
        augmentations=[L(T.ResizeShortestEdge)(short_edge_length=320, max_size=576)],
        image_format="BGR",
    ),
    num_workers=0,
)
dataloader.evaluator = L(COCOEvaluator)(dataset_name="${datasets.target.name}")

detector.roi_heads.num_classes = 6
model = L(MIC)(
    student=detector,
    mic=True,  # masked image consistency loss on the target
    mic_weight=1.0,  # lambda (official PSEUDO_LABEL_LAMBDA 1.0)
    score_threshold=0.8,  # teacher score for a pseudo box (PSEUDO_LABEL_THRESHOLD 0.8)
    nms_threshold=0.5,  # class-wise NMS on pseudo boxes (the box head's own test NMS)
    mask_block_size=32,  # b (detection code 32; the paper text 64)
    mask_ratio=0.5,  # r, probability that a block is masked
    quality_weight="prob",  # "prob" (official) | "teacher" | "none"
    pseudo_box_reg=False,  # official: no box regression on pseudo-labels
    image_da=True,  # image-level domain classifier (DA-Faster)
    image_da_grl_weight=0.025,  # DA_IMG_GRL_WEIGHT
    instance_da=True,  # instance-level domain classifier
    instance_da_grl_weight=0.1,  # DA_INS_GRL_WEIGHT
    instance_da_rois_per_image=128,  # random proposals per image (= the CPU ROI batch)
    unsup_weight=1.0,  # keep 1: target domain losses share the "unsup" group
    eval_model="student",  # the official code evaluates the student
)

train.max_iter = 2000
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/mic_uda/coco128_to_dawnfog"
train.eval_period = 1000
train.log_period = 20
train.checkpointer.period = 1000
train.trainer = L(SemiSupervisedTrainer)(unlabeled_data_loader="${dataloader.unlabeled}")
train.hooks = [
    # teacher = EMA of the student, alpha 0.9 (TEACHER_ALPHA), over the whole state dict
    L(EMAHook)(momentum=0.9, interval=1, buffers="ema"),
]

optimizer.lr = 0.01  # CPU, Lite0 (frozen) + GN-FPN: stable at 0.01
lr_multiplier = multistep(train.max_iter, steps=(1400, 1800), warmup_iters=100)
