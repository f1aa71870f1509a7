"""Dataset mapper of YOLOX: Detectron2 augmentations on an image (loaded here, or already made by
`MosaicMixupDataset`), boxes clipped and filtered, then tensors and `Instances`."""

import copy
from typing import Dict, List

import numpy as np
import torch
from detectron2.config import configurable
from detectron2.data import detection_utils as utils
from detectron2.data import transforms as T
from detectron2.structures import Boxes, Instances

from .mosaic import boxes_and_classes
from .transforms import Letterbox, RandomHSV


def yolox_train_augmentations(input_size=640, hsv_prob=1.0, flip_prob=0.5, image_format="BGR"):
    """Official `TrainTransform`: HSV jitter, horizontal flip, letterbox to input_size."""
    return [
        RandomHSV(prob=hsv_prob, image_format=image_format),
        T.RandomFlip(prob=flip_prob, horizontal=True, vertical=False),
        Letterbox(input_size, pad=True),
    ]


def yolox_test_augmentations(input_size=640):
    """Official `ValTransform`: fit inside input_size; the model pads (`square_size`)."""
    return [Letterbox(input_size, pad=False)]


class YOLOXDatasetMapper:
    """Maps a dataset dict to {"image": (3, H, W) uint8 tensor, "instances" (training)}.

    Boxes are XYXY in the augmented image, clipped to it; boxes whose smaller side is not more
    than `min_box_size` pixels are dropped (official TrainTransform: > 1 pixel)."""

    @configurable
    def __init__(
        self,
        is_train: bool,
        *,
        augmentations: List,
        image_format: str = "BGR",
        min_box_size: float = 1.0
    ):
        self.is_train = is_train
        self.augmentations = T.AugmentationList(augmentations)
        self.image_format = image_format
        self.min_box_size = min_box_size

    @classmethod
    def from_config(cls, cfg, is_train: bool = True):
        size = cfg.MODEL.YOLOX.INPUT_SIZE
        augs = yolox_train_augmentations(size) if is_train else yolox_test_augmentations(size)
        return {"is_train": is_train, "augmentations": augs, "image_format": cfg.INPUT.FORMAT}

    def __call__(self, dataset_dict: Dict) -> Dict:
        d = copy.copy(dataset_dict)
        image = d.pop("image", None)
        if image is None:
            image = utils.read_image(d["file_name"], format=self.image_format)
        boxes, classes = boxes_and_classes(d)
        aug_input = T.AugInput(image, boxes=boxes)
        self.augmentations(aug_input)
        image = aug_input.image
        h, w = image.shape[:2]
        d["image"] = torch.as_tensor(np.ascontiguousarray(image.transpose(2, 0, 1)))
        d.pop("annotations", None)
        if not self.is_train:
            return d
        boxes = aug_input.boxes.copy()
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, w)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, h)
        sides = np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        keep = sides > self.min_box_size
        instances = Instances((h, w))
        instances.gt_boxes = Boxes(torch.as_tensor(boxes[keep], dtype=torch.float32))
        instances.gt_classes = torch.as_tensor(classes[keep], dtype=torch.int64)
        d["instances"] = instances
        return d
