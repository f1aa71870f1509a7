"""`MultiViewDatasetMapper`: several independently augmented views of one image, each with the
3x3 matrix from original-image to view coordinates."""

from typing import Dict, List, Sequence

import numpy as np
import torch
from detectron2.data import detection_utils as utils
from detectron2.data import transforms as T
from detectron2.structures import Boxes, BoxMode, Instances
from PIL import Image

from .box_projection import project_boxes, transform_to_matrix

__all__ = ["MultiViewDatasetMapper"]


class MultiViewDatasetMapper:
    """
    dataset dict -> {"file_name", "image_id", "height", "width", <view>: {"image": uint8 (C, H, W)
    tensor in `image_format`, "transform": float64 (3, 3) original->view, ["instances"]}}.

    Each view runs its own augmentation list on the original image (RGB; the colour ops assume
    RGB), so views differ in resize, flip, etc. When the dict has "annotations" (a labeled set fed
    as unlabeled, for pseudo-label quality only) and `keep_annotations`, each view gets
    "instances" (gt_boxes, gt_classes) projected with the view matrix (corners, hull, clip), the
    same projection as pseudo-labels.
    """

    def __init__(
        self,
        views: Dict[str, Sequence[T.Augmentation]],
        image_format: str = "BGR",
        keep_annotations: bool = True,
    ):
        """
        Args:
            views: {view name: augmentations}, e.g. {"weak": weak_view_augmentations(),
                "strong": strong_view_augmentations()}.
            image_format: format of the output images (the detector's `input_format`).
            keep_annotations: attach hidden ground truth to the views when present.
        """
        if not views:
            raise ValueError("MultiViewDatasetMapper: `views` is empty; give at least one view")
        self.views = {name: T.AugmentationList(list(augs)) for name, augs in views.items()}
        self.image_format = image_format
        self.keep_annotations = keep_annotations

    def __call__(self, dataset_dict: dict) -> dict:
        image = utils.read_image(dataset_dict["file_name"], format="RGB")
        utils.check_image_size(dataset_dict, image)
        out = {k: dataset_dict[k] for k in ("file_name", "image_id") if k in dataset_dict}
        out["height"], out["width"] = image.shape[:2]
        annos = None
        if self.keep_annotations and "annotations" in dataset_dict:
            annos = [a for a in dataset_dict["annotations"] if a.get("iscrowd", 0) == 0]
        for name, augs in self.views.items():
            aug_input = T.AugInput(image.copy())
            transforms = augs(aug_input)
            view_image = aug_input.image
            matrix = transform_to_matrix(transforms)
            view = {"image": self._to_tensor(view_image), "transform": matrix}
            if annos is not None:
                view["instances"] = self._project_annotations(annos, matrix, view_image.shape[:2])
            out[name] = view
        return out

    def _to_tensor(self, image_rgb: np.ndarray) -> torch.Tensor:
        if self.image_format == "BGR":
            image = image_rgb[:, :, ::-1]
        elif self.image_format == "RGB":
            image = image_rgb
        else:
            image = utils.convert_PIL_to_numpy(Image.fromarray(image_rgb), self.image_format)
        return torch.as_tensor(np.ascontiguousarray(image.transpose(2, 0, 1)))

    @staticmethod
    def _project_annotations(annos: List[dict], matrix: np.ndarray, image_size) -> Instances:
        boxes = [BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYXY_ABS) for a in annos]
        boxes = torch.as_tensor(np.asarray(boxes, dtype=np.float32).reshape(-1, 4))
        instances = Instances(tuple(image_size))
        instances.gt_boxes = Boxes(project_boxes(boxes, matrix, image_size))
        instances.gt_classes = torch.tensor([a["category_id"] for a in annos], dtype=torch.int64)
        return instances[instances.gt_boxes.nonempty()]
