"""Dataset mappers for semi-supervised segmentation: geometric augmentation shared by both views,
PS-MT's strong photometric perturbation (colour jitter, random grayscale, Gaussian blur)."""

import copy
import random
from typing import Callable, List, Optional, Sequence

import numpy as np
import torch
from detectron2.data import detection_utils as utils
from detectron2.data import transforms as T
from torchvision.transforms.v2 import functional as TF

from labeleff.projects.teacher_student.box_projection import transform_to_matrix

__all__ = ["StrongPhotometric", "SemSegMapper"]


class StrongPhotometric:
    """PS-MT's strong view (`BaseDataSet.data_aug`): with p 0.8 ColorJitter(brightness 0.5,
    contrast 0.5, saturation 0.5, hue 0.25) (factors in random order), grayscale with p 0.2,
    with p 0.5 a Gaussian blur of odd kernel 1/3/5 and sigma ~ U(0.1, 2.0).
    Input / output: uint8 (3, H, W) RGB tensor; geometry unchanged."""

    def __init__(
        self,
        brightness: float = 0.5,
        contrast: float = 0.5,
        saturation: float = 0.5,
        hue: float = 0.25,
        jitter_prob: float = 0.8,
        grayscale_prob: float = 0.2,
        blur_prob: float = 0.5,
        blur_sigma: Sequence[float] = (0.1, 2.0),
    ):
        self.brightness, self.contrast, self.saturation, self.hue = (
            brightness,
            contrast,
            saturation,
            hue,
        )
        self.jitter_prob = jitter_prob
        self.grayscale_prob = grayscale_prob
        self.blur_prob = blur_prob
        self.blur_sigma = tuple(blur_sigma)

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        if random.random() < self.jitter_prob:
            ops = [
                lambda x: TF.adjust_brightness(
                    x, random.uniform(1 - self.brightness, 1 + self.brightness)
                ),
                lambda x: TF.adjust_contrast(
                    x, random.uniform(1 - self.contrast, 1 + self.contrast)
                ),
                lambda x: TF.adjust_saturation(
                    x, random.uniform(1 - self.saturation, 1 + self.saturation)
                ),
                lambda x: TF.adjust_hue(x, random.uniform(-self.hue, self.hue)),
            ]
            random.shuffle(ops)
            for op in ops:
                image = op(image)
        if random.random() < self.grayscale_prob:
            image = TF.rgb_to_grayscale(image, num_output_channels=3)
        if random.random() < self.blur_prob:
            kernel = int(random.random() * 4.95)  # official: 0..4, even sizes bumped to odd
            kernel = kernel + 1 if kernel % 2 == 0 else kernel
            sigma = random.uniform(*self.blur_sigma)
            image = TF.gaussian_blur(image, [kernel, kernel], [sigma, sigma])
        return image


class SemSegMapper:
    """Reads an image (+ label map), applies Detectron2 `augmentations` (geometry, shared by all
    outputs) and returns:
      * `two_views=False` (labeled): {"image": photometric(image) or image, "sem_seg": (H, W) long}
      * `two_views=True` (unlabeled): {"weak": {"image", "transform"}, "strong": {"image",
        "transform"}} with the strong image = photometric(weak image), the same 3x3 transform
        (original -> view), plus the hidden "sem_seg" (weak geometry) when the dataset has labels,
        used only to log pseudo-label accuracy.
    Always: "file_name", "image_id", "height", "width" of the original image.
    """

    def __init__(
        self,
        augmentations: List[T.Augmentation],
        photometric: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
        two_views: bool = False,
        image_format: str = "RGB",
        ignore_label: int = 255,
    ):
        self.augmentations = T.AugmentationList(list(augmentations))
        self.photometric = photometric
        self.two_views = two_views
        self.image_format = image_format
        self.ignore_label = ignore_label

    def __call__(self, dataset_dict: dict) -> dict:
        d = copy.deepcopy(dataset_dict)
        image = utils.read_image(d["file_name"], format=self.image_format)
        utils.check_image_size(d, image)
        gt_file = d.pop("sem_seg_file_name", None)
        sem_seg = utils.read_image(gt_file).astype("double") if gt_file else None
        if sem_seg is not None and sem_seg.ndim == 3:
            sem_seg = sem_seg[:, :, 0]
        aug_input = T.AugInput(image, sem_seg=sem_seg)
        transforms = self.augmentations(aug_input)
        view = torch.as_tensor(np.ascontiguousarray(aug_input.image.transpose(2, 0, 1)))
        if aug_input.sem_seg is not None:
            d["sem_seg"] = torch.as_tensor(aug_input.sem_seg.astype("long"))
        if not self.two_views:
            d["image"] = self.photometric(view) if self.photometric else view
            return d
        matrix = transform_to_matrix(transforms)
        strong = self.photometric(view.clone()) if self.photometric else view.clone()
        d["weak"] = {"image": view, "transform": matrix}
        d["strong"] = {"image": strong, "transform": matrix.copy()}
        return d
