"""MIC (base UDA + masked image consistency), Cityscapes -> Foggy Cityscapes (beta 0.02), 8 classes;
Faster R-CNN R50-FPN from ImageNet weights, as the official detection config
(e2e_da_faster_rcnn_R_50_FPN_masking_cs.yaml): lr 0.0025, 1 source + 1 target image per step
(IMS_PER_BATCH 2 split in half between the domains),
60k iterations, steps 30k / 40k, input short side 800 (long <= 1600). Expected folders:

    datasets/cityscapes/{leftImg8bit,leftImg8bit_foggy,gtFine}/{train,val}/<city>/...
    python tools/train_net.py --config-file configs/mic_uda/cityscapes_to_foggy.py \
        train.init_checkpoint=/path/to/R-50.pkl
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import DatasetMapper, build_detection_test_loader, get_detection_dataset_dicts
from omegaconf import OmegaConf

from labeleff.evaluation import COCOEvaluator
from labeleff.projects.mic_uda import MIC, RandomColorJitter, RandomGaussianBlur
from labeleff.projects.mic_uda.datasets import register_cityscapes_detection
from labeleff.projects.mic_uda.mapper import SharedGeometryViewMapper
from labeleff.projects.teacher_student import (
    EMAHook,
    SemiSupervisedTrainer,
    build_semi_supervised_train_loader,
)

from ..common.models.faster_rcnn_fpn import model as detector
from ..common.optim import SGD as optimizer
from ..common.schedule import multistep
from ..common.train import train

dataloader = OmegaConf.create()
dataloader.root = "datasets/cityscapes"
dataloader.foggy_beta = 0.02  # fog density of the target images (the standard benchmark)
datasets = dict(
    source=L(register_cityscapes_detection)(
        name="cityscapes_det_train",
        image_dir="${dataloader.root}/leftImg8bit/train",
        gt_dir="${dataloader.root}/gtFine/train",
    ),
    target=L(register_cityscapes_detection)(
        name="foggy_cityscapes_det_train",
        image_dir="${dataloader.root}/leftImg8bit_foggy/train",
        gt_dir="${dataloader.root}/gtFine/train",
        foggy_beta="${dataloader.foggy_beta}",
    ),
    target_val=L(register_cityscapes_detection)(
        name="foggy_cityscapes_det_val",
        image_dir="${dataloader.root}/leftImg8bit_foggy/val",
        gt_dir="${dataloader.root}/gtFine/val",
        foggy_beta="${dataloader.foggy_beta}",
    ),
)

# MIN_SIZE_TRAIN (800,), MAX_SIZE_TRAIN 1600, horizontal flip 0.5 (maskrcnn-benchmark)
_resize = L(T.ResizeShortestEdge)(short_edge_length=800, max_size=1600)
dataloader.train = L(build_semi_supervised_train_loader)(  # source, labeled
    dataset=L(get_detection_dataset_dicts)(names="${datasets.source.name}"),
    mapper=L(DatasetMapper)(
        is_train=True,
        augmentations=[_resize, L(T.RandomFlip)(horizontal=True)],
        image_format="BGR",
    ),
    total_batch_size=1,  # official: IMS_PER_BATCH 2 // (2 * GPUs) = 1 source (+ 1 target)
    seed=0,  # fixed: exact --resume (ENGINE_CONTRACT)
    num_workers=4,
)
dataloader.unlabeled = L(build_semi_supervised_train_loader)(  # target, labels hidden
    dataset=L(get_detection_dataset_dicts)(names="${datasets.target.name}", filter_empty=False),
    mapper=L(SharedGeometryViewMapper)(
        geometric=[_resize, L(T.RandomFlip)(horizontal=True)],
        # MASKING_AUGMENTATION: colour jitter s 0.2 applied iff U > 0.2, blur iff U > 0.5
        photometric=[L(RandomColorJitter)(strength=0.2, prob=0.8), L(RandomGaussianBlur)(prob=0.5)],
        image_format="BGR",
    ),
    total_batch_size=1,
    seed=1,  # fixed: exact --resume (ENGINE_CONTRACT)
    num_workers=4,
)
dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="${datasets.target_val.name}", filter_empty=False),
    mapper=L(DatasetMapper)(
        is_train=False,
        augmentations=[L(T.ResizeShortestEdge)(short_edge_length=800, max_size=1600)],
        image_format="BGR",
    ),
    num_workers=4,
)
dataloader.evaluator = L(COCOEvaluator)(dataset_name="${datasets.target_val.name}")

detector.roi_heads.num_classes = 8  # person, rider, car, truck, bus, train, motorcycle, bicycle
detector.roi_heads.batch_size_per_image = 256  # ROI_HEADS.BATCH_SIZE_PER_IMAGE
detector.proposal_generator.post_nms_topk = (2000, 1000)  # FPN_POST_NMS_TOP_N_TRAIN / _TEST
model = L(MIC)(
    student=detector,
    mic=True,  # MIC_ON
    mic_weight=1.0,  # PSEUDO_LABEL_LAMBDA
    score_threshold=0.8,  # PSEUDO_LABEL_THRESHOLD
    nms_threshold=0.5,  # class-wise NMS on pseudo boxes (the box head's own test NMS)
    mask_block_size=32,  # MASKING_BLOCK_SIZE (the paper text says 64)
    mask_ratio=0.5,  # MASKING_RATIO
    quality_weight="prob",  # PSEUDO_LABEL_WEIGHT: "prob" | "teacher" | "none"
    pseudo_box_reg=False,  # official: pseudo box regression losses multiplied by 0
    image_da=True,  # image-level domain classifier (DA-Faster)
    image_da_grl_weight=0.025,  # DA_IMG_GRL_WEIGHT
    instance_da=True,  # instance-level domain classifier
    instance_da_grl_weight=0.1,  # DA_INS_GRL_WEIGHT
    instance_da_rois_per_image=256,  # random proposals per image for it
    unsup_weight=1.0,  # keep 1: target domain losses share the "unsup" group
    eval_model="student",  # the official code evaluates the student
)

# SOLVER: BASE_LR 0.0025, WEIGHT_DECAY 1e-4, momentum 0.9, BIAS_LR_FACTOR 2 (bias decay 0),
# warm-up 500 iterations from 1/3, steps 30k / 40k, 60k iterations
optimizer.lr = 0.0025
optimizer.weight_decay = 1e-4
optimizer.params.base_lr = "${..lr}"
optimizer.params.bias_lr_factor = 2.0
optimizer.params.weight_decay_bias = 0.0
train.max_iter = 60000
lr_multiplier = multistep(
    train.max_iter, steps=(30000, 40000), warmup_iters=500, warmup_factor=1 / 3
)
train.init_checkpoint = (
    "detectron2://ImageNetPretrained/MSRA/R-50.pkl"  # model-zoo name, or a local file
)
train.seed = (
    0  # fixed (official: unset): step draws and loader order follow it, so --resume is exact
)
train.output_dir = "./output/mic_uda/cityscapes_to_foggy"
train.eval_period = 10000
train.checkpointer.period = 10000  # CHECKPOINT_PERIOD
train.trainer = L(SemiSupervisedTrainer)(unlabeled_data_loader="${dataloader.unlabeled}")
train.hooks = [
    # teacher = EMA of the student, alpha 0.9 (TEACHER_ALPHA), over the whole state dict
    L(EMAHook)(momentum=0.9, interval=1, buffers="ema"),
]
