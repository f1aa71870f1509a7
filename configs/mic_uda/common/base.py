"""The MIC base (Hoyer et al., CVPR 2023): base UDA (DA-Faster image + instance domain classifiers,
EMA teacher pseudo-labels) + masked image consistency, with the official detection config's values
(e2e_da_faster_rcnn_R_50_FPN_masking_cs.yaml), on Cityscapes -> Foggy Cityscapes (beta 0.02), 8
classes; Faster R-CNN R50-FPN from ImageNet weights, lr 0.0025, 1 source + 1 target image per step
(IMS_PER_BATCH 2 split in half between the domains), 60k iterations, steps 30k / 40k, input short
side 800 (long <= 1600). Every MIC config is a diff over this file."""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

from labeleff.data import num_classes_of, register_cityscapes_detection
from labeleff.evaluation import COCOEvaluator
from labeleff.projects.mic_uda import MIC
from labeleff.projects.teacher_student import EMAHook

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
from .data import source_mapper, target_mapper

dataloader = OmegaConf.create()
dataloader.root = "datasets/cityscapes"
dataloader.foggy_beta = 0.02  # fog density of the target images (the standard benchmark)
_city = dict(gt_dir="${dataloader.root}/gtFine/train")
_foggy = dict(foggy_beta="${dataloader.foggy_beta}")
datasets = dict(
    source=L(register_cityscapes_detection)(
        name="cityscapes_det_train", image_dir="${dataloader.root}/leftImg8bit/train", **_city
    ),
    target=L(register_cityscapes_detection)(
        name="foggy_cityscapes_det_train",
        image_dir="${dataloader.root}/leftImg8bit_foggy/train",
        **_city,
        **_foggy,
    ),
    target_val=L(register_cityscapes_detection)(
        name="foggy_cityscapes_det_val",
        image_dir="${dataloader.root}/leftImg8bit_foggy/val",
        gt_dir="${dataloader.root}/gtFine/val",
        **_foggy,
    ),
)

# MIN_SIZE_TRAIN (800,), MAX_SIZE_TRAIN 1600, horizontal flip 0.5 (maskrcnn-benchmark); official
# IMS_PER_BATCH 2 // (2 * GPUs) = 1 source + 1 target; seeds fixed: exact --resume
_resize = L(T.ResizeShortestEdge)(short_edge_length=800, max_size=1600)
dataloader.train = train_loader(  # source, labeled
    "${datasets.source.name}", source_mapper(_resize), 1, seed=0, num_workers=4
)
dataloader.unlabeled = unlabeled_loader(  # target, labels hidden
    "${datasets.target.name}", target_mapper(_resize), 1, seed=1, num_workers=4
)
dataloader.test = detection_test_loader("${datasets.target_val.name}", 800, 1600, num_workers=4)
dataloader.evaluator = L(COCOEvaluator)(dataset_name="${datasets.target_val.name}")

# the class count of the source data (Cityscapes: person, rider, car, truck, bus, train,
# motorcycle, bicycle; an explicit number is checked against it)
detector.roi_heads.num_classes = L(num_classes_of)(name="${datasets.source.name}")
detector.roi_heads.batch_size_per_image = 256  # ROI_HEADS.BATCH_SIZE_PER_IMAGE
detector.proposal_generator.post_nms_topk = (2000, 1000)  # FPN_POST_NMS_TOP_N_TRAIN / _TEST
model = L(MIC)(
    student=detector,
    mic=True,  # MIC_ON: masked image consistency loss on the target
    mic_weight=1.0,  # lambda (PSEUDO_LABEL_LAMBDA)
    score_threshold=0.8,  # teacher score for a pseudo box (PSEUDO_LABEL_THRESHOLD)
    # "fixed": score_threshold for every class (official); "frequency": per-class rank
    # thresholds keeping frequency_ratio x the source objects per image, in
    # [frequency_min_threshold, score_threshold] (not in the paper; for a weak teacher)
    score_threshold_policy="fixed",
    frequency_ratio=0.5,
    frequency_carry=True,
    frequency_min_threshold=0.05,
    nms_threshold=0.5,  # class-wise NMS on pseudo boxes (the box head's own test NMS)
    mask_block_size=32,  # b, MASKING_BLOCK_SIZE (the paper text says 64)
    mask_ratio=0.5,  # r, MASKING_RATIO: probability that a block is masked
    quality_weight="prob",  # PSEUDO_LABEL_WEIGHT: "prob" (official) | "teacher" | "none"
    pseudo_box_reg=False,  # official: pseudo box regression losses multiplied by 0
    image_da=True,  # image-level domain classifier (DA-Faster)
    image_da_grl_weight=0.025,  # DA_IMG_GRL_WEIGHT
    instance_da=True,  # instance-level domain classifier
    instance_da_grl_weight=0.1,  # DA_INS_GRL_WEIGHT
    instance_da_rois_per_image=256,  # random proposals per image for it (= the ROI batch)
    unsup_weight=1.0,  # the masked losses; the domain losses are their own "da" group (weight 1)
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
train.init_checkpoint = "detectron2://ImageNetPretrained/MSRA/R-50.pkl"  # or a local file
train.seed = 0  # fixed (official: unset): step draws and loader order follow it (exact --resume)
train.output_dir = "./output/mic_uda/cityscapes_to_foggy"
train.eval_period = 10000
train.checkpointer.period = 10000  # CHECKPOINT_PERIOD
train.trainer = teacher_student_trainer()
# teacher = EMA of the student, alpha 0.9 (TEACHER_ALPHA), over the whole state dict
train.hooks = [L(EMAHook)(momentum=0.9, interval=1, buffers="ema")]
