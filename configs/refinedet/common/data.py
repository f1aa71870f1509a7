"""RefineDet loaders: SSD augmentation (official train_transform_param) for training; the test
mapper passes the original image, the model warps it to its test size (official im_detect)."""

from detectron2.config import LazyCall as L
from detectron2.data import (
    build_detection_test_loader,
    build_detection_train_loader,
    get_detection_dataset_dicts,
)
from omegaconf import OmegaConf

from labeleff.evaluation import COCOEvaluator
from labeleff.projects.refinedet import RefineDetDatasetMapper, ssd_train_augmentations

dataloader = OmegaConf.create()
dataloader.train = L(build_detection_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="coco_2014_train"),
    mapper=L(RefineDetDatasetMapper)(
        is_train=True,
        augmentations=L(ssd_train_augmentations)(
            size=320,
            pixel_fill=[123, 117, 104],  # zoom-out canvas: the mean pixel (RGB)
            image_format="${..image_format}",
        ),
        image_format="RGB",
    ),
    total_batch_size=32,  # paper: batch 32
    num_workers=4,
)
dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="coco_2014_minival", filter_empty=False),
    mapper=L(RefineDetDatasetMapper)(
        is_train=False, augmentations=[], image_format="${...train.mapper.image_format}"
    ),
    num_workers=4,
)
dataloader.evaluator = L(COCOEvaluator)(dataset_name="${..test.dataset.names}")
