"""Dataset mapper of RefineDet: reads an image, applies the SSD augmentation and keeps the boxes
whose centre stays in the image (official emit_constraint CENTER), clipped to it."""

import copy
import logging
from typing import Dict, List, Tuple

import numpy as np
import torch
from detectron2.config import configurable
from detectron2.data import detection_utils as utils
from detectron2.data import transforms as T
from detectron2.structures import Boxes, BoxMode, Instances

logger = logging.getLogger(__name__)


def boxes_and_classes(dataset_dict: Dict) -> Tuple[np.ndarray, np.ndarray]:
    """Non-crowd annotations as XYXY_ABS boxes (M, 4) and classes (M,); zero-area source boxes
    are dropped with a warning that names the image."""
    annos = [a for a in dataset_dict.get("annotations", []) if a.get("iscrowd", 0) == 0]
    boxes = np.array(
        [BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYXY_ABS) for a in annos],
        dtype=np.float32,
    ).reshape(-1, 4)
    classes = np.array([a["category_id"] for a in annos], dtype=np.int64)
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    if not valid.all():
        logger.warning(
            "%s: dropped %d zero-area box(es)", dataset_dict.get("file_name"), int((~valid).sum())
        )
    return boxes[valid], classes[valid]


def keep_centered_boxes(
    boxes: np.ndarray, transforms: T.TransformList, image_size
) -> Tuple[np.ndarray, np.ndarray]:
    """boxes (M, 4) in the source image -> (transformed boxes clipped to the output image, keep
    mask): kept when the transformed box centre lies inside the output image and the clipped box
    has an area."""
    h, w = image_size
    centers = (
        transforms.apply_coords((boxes[:, :2] + boxes[:, 2:]) / 2) if len(boxes) else boxes[:, :2]
    )
    out = transforms.apply_box(boxes) if len(boxes) else boxes
    keep = (centers[:, 0] >= 0) & (centers[:, 0] <= w) & (centers[:, 1] >= 0) & (centers[:, 1] <= h)
    out = out.copy()
    out[:, 0::2] = out[:, 0::2].clip(0, w)
    out[:, 1::2] = out[:, 1::2].clip(0, h)
    keep &= (out[:, 2] > out[:, 0]) & (out[:, 3] > out[:, 1])
    return out, keep


class RefineDetDatasetMapper:
    """Detectron2 mapper: dataset dict -> {"image": (3, H, W) uint8, "instances", "height",
    "width", ...}. At test time no augmentation is needed: the model resizes to its test size."""

    @configurable
    def __init__(
        self, is_train: bool, augmentations: List[T.Augmentation], image_format: str = "RGB"
    ):
        self.is_train = is_train
        self.augmentations = T.AugmentationList(augmentations)
        self.image_format = image_format

    @classmethod
    def from_config(cls, cfg, is_train: bool = True):
        from .transforms import ssd_train_augmentations

        fill = cfg.MODEL.PIXEL_MEAN
        augs = ssd_train_augmentations(cfg.MODEL.REFINEDET.TEST_SIZE, fill, cfg.INPUT.FORMAT)
        return dict(
            is_train=is_train, augmentations=augs if is_train else [], image_format=cfg.INPUT.FORMAT
        )

    def __call__(self, dataset_dict: Dict) -> Dict:
        d = copy.deepcopy(dataset_dict)
        image = utils.read_image(d["file_name"], format=self.image_format)
        utils.check_image_size(d, image)
        boxes, classes = boxes_and_classes(d)
        aug_input = T.AugInput(image, boxes=boxes)
        transforms = self.augmentations(aug_input)
        image = aug_input.image
        d["image"] = torch.as_tensor(np.ascontiguousarray(image.transpose(2, 0, 1)))
        d.pop("annotations", None)
        if not self.is_train:
            return d
        out, keep = keep_centered_boxes(boxes, transforms, image.shape[:2])
        instances = Instances(image.shape[:2])
        instances.gt_boxes = Boxes(torch.as_tensor(out[keep], dtype=torch.float32).reshape(-1, 4))
        instances.gt_classes = torch.as_tensor(classes[keep], dtype=torch.long)
        d["instances"] = instances
        return d
