"""SSD-style training augmentation of RefineDet as Detectron2 Augmentations/Transforms:
photometric distortion, zoom-out expansion, min-IoU random crop, square resize (then RandomFlip).
Parameters are those of the official train_transform_param / batch_sampler."""

from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
from detectron2.data import transforms as T
from fvcore.transforms.transform import CropTransform, NoOpTransform, Transform
from PIL import Image


class PhotometricDistortTransform(Transform):
    """Brightness, contrast, saturation and hue changes on an uint8 (H, W, 3) image; each op is
    None (skipped) or its sampled value. Boxes are unchanged."""

    def __init__(
        self, brightness, contrast, saturation, hue, contrast_last: bool, image_format: str
    ):
        super().__init__()
        self._set_attributes(locals())

    def apply_image(self, img: np.ndarray) -> np.ndarray:
        img = img.astype(np.float32)
        if self.brightness is not None:
            img = np.clip(img + self.brightness, 0, 255)
        if self.contrast is not None and not self.contrast_last:
            img = np.clip(img * self.contrast, 0, 255)
        if self.saturation is not None or self.hue is not None:
            to_hsv = cv2.COLOR_RGB2HSV if self.image_format == "RGB" else cv2.COLOR_BGR2HSV
            from_hsv = cv2.COLOR_HSV2RGB if self.image_format == "RGB" else cv2.COLOR_HSV2BGR
            hsv = cv2.cvtColor(img.astype(np.uint8), to_hsv).astype(np.float32)
            if self.saturation is not None:
                hsv[..., 1] = np.clip(hsv[..., 1] * self.saturation, 0, 255)
            if self.hue is not None:  # 8-bit OpenCV hue is in [0, 180)
                hsv[..., 0] = np.mod(hsv[..., 0] + self.hue, 180)
            img = cv2.cvtColor(hsv.astype(np.uint8), from_hsv).astype(np.float32)
        if self.contrast is not None and self.contrast_last:
            img = np.clip(img * self.contrast, 0, 255)
        return img.round().astype(np.uint8)

    def apply_coords(self, coords: np.ndarray) -> np.ndarray:
        return coords

    def apply_segmentation(self, segmentation: np.ndarray) -> np.ndarray:
        return segmentation


class PhotometricDistort(T.Augmentation):
    """SSD DistortImage (random_order_prob 0): brightness, then contrast either first or last
    (probability 1/2), saturation and hue; each op applied with probability `prob`."""

    def __init__(
        self,
        brightness_delta: float = 32,
        contrast_range: Tuple[float, float] = (0.5, 1.5),
        saturation_range: Tuple[float, float] = (0.5, 1.5),
        hue_delta: float = 18,
        prob: float = 0.5,
        image_format: str = "RGB",
    ):
        super().__init__()
        self._init(locals())

    def get_transform(self, image: np.ndarray) -> Transform:
        def maybe(low, high):
            return self._rand_range(low, high) if self._rand_range() < self.prob else None

        return PhotometricDistortTransform(
            brightness=maybe(-self.brightness_delta, self.brightness_delta),
            contrast=maybe(*self.contrast_range),
            saturation=maybe(*self.saturation_range),
            hue=maybe(-self.hue_delta, self.hue_delta),
            contrast_last=self._rand_range() < 0.5,
            image_format=self.image_format,
        )


class ExpandTransform(Transform):
    """Place the (H, W) image at (left, top) on an (out_h, out_w) canvas filled with `fill`."""

    def __init__(self, left: int, top: int, out_h: int, out_w: int, fill: Sequence[float]):
        super().__init__()
        self._set_attributes(locals())

    def apply_image(self, img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        canvas = np.empty((self.out_h, self.out_w) + img.shape[2:], dtype=img.dtype)
        canvas[...] = np.asarray(self.fill, dtype=img.dtype)
        canvas[self.top : self.top + h, self.left : self.left + w] = img
        return canvas

    def apply_coords(self, coords: np.ndarray) -> np.ndarray:
        return coords + np.array([self.left, self.top], dtype=coords.dtype)

    def apply_segmentation(self, segmentation: np.ndarray) -> np.ndarray:
        h, w = segmentation.shape[:2]
        out = np.zeros((self.out_h, self.out_w), dtype=segmentation.dtype)
        out[self.top : self.top + h, self.left : self.left + w] = segmentation
        return out


class ZoomOut(T.Augmentation):
    """SSD expand_param: with probability `prob`, put the image on a canvas `ratio` in
    [1, max_ratio] times larger filled with the mean pixel (official prob 0.5, max ratio 4)."""

    def __init__(self, fill: Sequence[float], max_ratio: float = 4.0, prob: float = 0.5):
        super().__init__()
        self._init(locals())

    def get_transform(self, image: np.ndarray) -> Transform:
        if self._rand_range() >= self.prob or self.max_ratio <= 1:
            return NoOpTransform()
        h, w = image.shape[:2]
        ratio = self._rand_range(1.0, self.max_ratio)
        out_h, out_w = int(h * ratio), int(w * ratio)
        top = int(np.floor(self._rand_range(0, out_h - h)))
        left = int(np.floor(self._rand_range(0, out_w - w)))
        return ExpandTransform(left, top, out_h, out_w, self.fill)


def _jaccard(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one (4,) box with (M, 4) boxes, continuous coordinates."""
    lt = np.maximum(box[:2], boxes[:, :2])
    rb = np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
    area = np.prod(box[2:] - box[:2])
    areas = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    return inter / np.maximum(area + areas - inter, 1e-12)


class MinIoURandomCrop(T.Augmentation):
    """SSD batch_sampler: one candidate per IoU constraint (the whole image, min IoU 0.1, 0.3,
    0.5, 0.7, 0.9, and max IoU 1.0), each found within `max_trials` random boxes of scale
    [0.3, 1] and aspect ratio [0.5, 2]; one candidate is then picked uniformly. A candidate
    satisfies its constraint when at least one GT box does (Caffe SatisfySampleConstraint).
    Boxes whose centre leaves the crop are dropped by the mapper (emit_constraint CENTER).
    """

    def __init__(
        self,
        min_ious: Sequence[float] = (0.1, 0.3, 0.5, 0.7, 0.9),
        scale_range: Tuple[float, float] = (0.3, 1.0),
        aspect_range: Tuple[float, float] = (0.5, 2.0),
        max_trials: int = 50,
        with_max_iou_sampler: bool = True,
    ):
        super().__init__()
        self._init(locals())

    def _sample_box(self, h: int, w: int) -> np.ndarray:
        scale = self._rand_range(*self.scale_range)
        lo = max(self.aspect_range[0], scale**2)
        hi = min(self.aspect_range[1], 1 / scale**2)
        ar = self._rand_range(lo, hi)
        bw, bh = scale * np.sqrt(ar), scale / np.sqrt(ar)
        x0, y0 = self._rand_range(0, 1 - bw), self._rand_range(0, 1 - bh)
        return np.array([x0 * w, y0 * h, (x0 + bw) * w, (y0 + bh) * h])

    def get_transform(self, image: np.ndarray, boxes: np.ndarray) -> Transform:
        h, w = image.shape[:2]
        constraints: List[Tuple[Optional[float], Optional[float]]] = [
            (m, None) for m in self.min_ious
        ]
        if self.with_max_iou_sampler:
            constraints.append((None, 1.0))
        candidates = [None]  # the unconstrained sampler: the whole image
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        for min_iou, max_iou in constraints:
            for _ in range(self.max_trials):
                crop = self._sample_box(h, w)
                if len(boxes) == 0:
                    continue
                iou = _jaccard(crop, boxes)
                ok = np.ones_like(iou, dtype=bool)
                if min_iou is not None:
                    ok &= iou >= min_iou
                if max_iou is not None:
                    ok &= iou <= max_iou
                if ok.any():
                    candidates.append(crop)
                    break
        choice = candidates[int(self._rand_range(0, len(candidates))) % len(candidates)]
        if choice is None:
            return NoOpTransform()
        x0, y0 = int(round(choice[0])), int(round(choice[1]))
        x1, y1 = min(w, int(round(choice[2]))), min(h, int(round(choice[3])))
        return CropTransform(x0, y0, max(1, x1 - x0), max(1, y1 - y0))


# The official resize_param picks one of five OpenCV interpolations at random; these are the PIL
# counterparts Detectron2's ResizeTransform uses on uint8 images (AREA -> BOX).
SSD_INTERPOLATIONS = (Image.BILINEAR, Image.BOX, Image.NEAREST, Image.BICUBIC, Image.LANCZOS)


class RandomInterpolationResize(T.Augmentation):
    """Warp (no aspect kept) to `size` x `size` with a random interpolation."""

    def __init__(self, size: int, interpolations: Sequence[int] = SSD_INTERPOLATIONS):
        super().__init__()
        self._init(locals())

    def get_transform(self, image: np.ndarray) -> Transform:
        h, w = image.shape[:2]
        interp = self.interpolations[int(self._rand_range(0, len(self.interpolations)))]
        return T.ResizeTransform(h, w, self.size, self.size, interp)


def ssd_train_augmentations(
    size: int, pixel_fill: Sequence[float], image_format: str = "RGB"
) -> List[T.Augmentation]:
    """The official order: distort, expand, crop, resize, mirror."""
    return [
        PhotometricDistort(image_format=image_format),
        ZoomOut(fill=pixel_fill),
        MinIoURandomCrop(),
        RandomInterpolationResize(size),
        T.RandomFlip(prob=0.5, horizontal=True, vertical=False),
    ]
