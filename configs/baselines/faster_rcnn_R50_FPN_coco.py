"""Supervised Faster R-CNN R50-FPN on COCO 2017 (Detectron2's 1x recipe: 90k iters, batch 16,
lr 0.02, steps 60k/80k). ImageNet weights from a local path:

    python tools/train_net.py --config-file configs/baselines/faster_rcnn_R50_FPN_coco.py \
        --num-gpus 8 train.init_checkpoint=/path/to/R-50.pkl
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import (
    DatasetMapper,
    build_detection_test_loader,
    build_detection_train_loader,
    get_detection_dataset_dicts,
)
from omegaconf import OmegaConf

from labeleff.evaluation import COCOEvaluator

from ..common.models.faster_rcnn_fpn import model
from ..common.optim import SGD as optimizer
from ..common.schedule import multistep
from ..common.train import train

# coco_2017_train / coco_2017_val are Detectron2 built-ins under $DETECTRON2_DATASETS/coco.
dataloader = OmegaConf.create()
dataloader.train = L(build_detection_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="coco_2017_train"),
    mapper=L(DatasetMapper)(
        is_train=True,
        augmentations=[
            L(T.ResizeShortestEdge)(
                short_edge_length=(640, 672, 704, 736, 768, 800),
                sample_style="choice",
                max_size=1333,
            ),
            L(T.RandomFlip)(horizontal=True),
        ],
        image_format="BGR",
    ),
    total_batch_size=16,
    num_workers=4,
)
dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="coco_2017_val", filter_empty=False),
    mapper=L(DatasetMapper)(
        is_train=False,
        augmentations=[L(T.ResizeShortestEdge)(short_edge_length=800, max_size=1333)],
        image_format="BGR",
    ),
    num_workers=4,
)
dataloader.evaluator = L(COCOEvaluator)(dataset_name="coco_2017_val")

train.max_iter = 90000
train.init_checkpoint = (
    "detectron2://ImageNetPretrained/MSRA/R-50.pkl"  # model-zoo name, or a local file
)
train.output_dir = "./output/faster_rcnn_R50_FPN_coco"
lr_multiplier = multistep(train.max_iter, steps=(60000, 80000), warmup_iters=1000)
