"""BCCD (../shared/data/bccd, VOC; RBC / WBC / Platelets) registered as COCO json, and small
CPU-sized loaders for the pretraining benchmark (tools/benchmark_pretrain.py)."""

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
from labeleff.projects.pretrain import register_bccd

datasets = dict(
    bccd_train=L(register_bccd)(name="bccd_train", image_set="train"),  # 205 images
    bccd_test=L(register_bccd)(name="bccd_test", image_set="test"),  # 72 images
)

detection_dataloader = OmegaConf.create()
detection_dataloader.train = L(build_detection_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="bccd_train"),
    mapper=L(DatasetMapper)(
        is_train=True,
        augmentations=[
            L(T.ResizeShortestEdge)(
                short_edge_length=(208, 224, 240, 256, 272), sample_style="choice", max_size=400
            ),
            L(T.RandomFlip)(horizontal=True),
        ],
        image_format="BGR",
    ),
    total_batch_size=4,
    num_workers=0,
)
detection_dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="bccd_test", filter_empty=False),
    mapper=L(DatasetMapper)(
        is_train=False,
        augmentations=[L(T.ResizeShortestEdge)(short_edge_length=240, max_size=400)],
        image_format="BGR",
    ),
    num_workers=0,
)
detection_dataloader.evaluator = L(COCOEvaluator)(dataset_name="bccd_test")
