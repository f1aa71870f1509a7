"""The YOLOX training recipe (Megvii yolox/exp/yolox_base.py) as LazyConfig pieces: mosaic/mixup
loaders, SGD with per-image lr, warm cosine schedule, no-aug switch and EMA hooks."""

import math

import torch
from detectron2.config import LazyCall as L
from detectron2.data import (
    build_detection_test_loader,
    build_detection_train_loader,
    get_detection_dataset_dicts,
)
from detectron2.solver.build import get_default_optimizer_params
from omegaconf import OmegaConf

from labeleff.evaluation import COCOEvaluator
from labeleff.projects.yolox import (
    ModelEMAHook,
    MosaicMixupDataset,
    NoAugSwitchHook,
    YOLOXDatasetMapper,
    YOLOXWarmCosine,
)
from labeleff.projects.yolox.data import yolox_test_augmentations, yolox_train_augmentations
from labeleff.schedule import follows_max_iter


def yolox_dataloader(train_names, test_names, input_size=640, total_batch_size=64, num_workers=4):
    """dataloader.{train, test, evaluator}: mosaic + mixup wrapper, HSV/flip/letterbox mapper."""
    dataloader = OmegaConf.create()
    dataloader.train = L(build_detection_train_loader)(
        dataset=L(MosaicMixupDataset)(
            dataset=L(get_detection_dataset_dicts)(names=train_names),
            input_size=input_size,  # official input_size (640, 640)
            mosaic_prob=1.0,
            mixup_prob=1.0,
            degrees=10.0,
            translate=0.1,
            mosaic_scale=(0.1, 2.0),
            shear=2.0,
            mixup_scale=(0.5, 1.5),
            image_format="BGR",
        ),
        mapper=L(YOLOXDatasetMapper)(
            is_train=True,
            augmentations=L(yolox_train_augmentations)(
                input_size="${...dataset.input_size}", hsv_prob=1.0, flip_prob=0.5
            ),
            image_format="BGR",
            min_box_size=1.0,  # official TrainTransform keeps boxes with min side > 1 px
        ),
        total_batch_size=total_batch_size,
        aspect_ratio_grouping=False,  # every training image is input_size x input_size
        num_workers=num_workers,
    )
    dataloader.test = L(build_detection_test_loader)(
        dataset=L(get_detection_dataset_dicts)(names=test_names, filter_empty=False),
        mapper=L(YOLOXDatasetMapper)(
            is_train=False,
            augmentations=L(yolox_test_augmentations)(input_size="${....train.dataset.input_size}"),
            image_format="BGR",
        ),
        num_workers=num_workers,
    )
    dataloader.evaluator = L(COCOEvaluator)(dataset_name="${..test.dataset.names}")
    return dataloader


def yolox_sgd(total_batch_size=64, lr_per_image=0.01 / 64):
    """Official optimizer: SGD lr 0.01 / 64 per image, momentum 0.9, nesterov, weight decay 5e-4
    on conv/linear weights only (BN weights and all biases: none)."""
    return L(torch.optim.SGD)(
        params=L(get_default_optimizer_params)(weight_decay_norm=0.0, weight_decay_bias=0.0),
        lr=lr_per_image * total_batch_size,
        momentum=0.9,
        nesterov=True,
        weight_decay=5e-4,
    )


def iterations(epochs, num_images, total_batch_size):
    """Epochs to iterations (YOLOX counts in epochs, Detectron2 in iterations)."""
    return int(math.ceil(epochs * num_images / total_batch_size))


def yolox_schedule(max_iter, warmup_iters, no_aug_iters, min_ratio=0.05):
    """Official "yoloxwarmcos": quadratic warm-up, cosine to 0.05 x lr, flat in the no-aug phase."""
    return L(YOLOXWarmCosine)(
        warmup_fraction=warmup_iters / max_iter,
        no_aug_fraction=no_aug_iters / max_iter,
        min_ratio=min_ratio,
    )


def yolox_hooks(no_aug_iters, max_iter, ema_decay=0.9998):
    """No-aug switch (mosaic/mixup off, L1 on; its length follows a train.max_iter override, as the
    LR schedule's fractions do) and EMA of weights for evaluation."""
    return [
        L(NoAugSwitchHook)(no_aug_iters=follows_max_iter(no_aug_iters, of=max_iter)),
        L(ModelEMAHook)(decay=ema_decay, tau=2000.0),  # official ModelEMA(model, 0.9998)
    ]
