"""Mosaic (4 images around a random centre) and mixup of YOLOX, as pure functions plus a dataset
wrapper that samples the extra images from the wrapped Detectron2 dataset dicts."""

import copy
import random
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
import torch
from detectron2.data import detection_utils as utils
from detectron2.data import transforms as T
from detectron2.structures import BoxMode

from .transforms import PAD_VALUE, RandomAffine, box_candidates


def mosaic_tile(index: int, centre: Tuple[int, int], tile_hw, canvas_hw):
    """Where tile `index` (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right of the centre)
    lands on the canvas. Returns (x1, y1, x2, y2) on the canvas and the (x, y) of the canvas
    region's top-left corner in the tile (the tile is cropped where it leaves the canvas)."""
    xc, yc = centre
    h, w = tile_hw
    canvas_h, canvas_w = canvas_hw
    if index == 0:
        x1, y1, x2, y2 = max(xc - w, 0), max(yc - h, 0), xc, yc
        return (x1, y1, x2, y2), (w - (x2 - x1), h - (y2 - y1))
    if index == 1:
        x1, y1, x2, y2 = xc, max(yc - h, 0), min(xc + w, canvas_w), yc
        return (x1, y1, x2, y2), (0, h - (y2 - y1))
    if index == 2:
        x1, y1, x2, y2 = max(xc - w, 0), yc, xc, min(yc + h, canvas_h)
        return (x1, y1, x2, y2), (w - (x2 - x1), 0)
    if index == 3:
        x1, y1, x2, y2 = xc, yc, min(xc + w, canvas_w), min(yc + h, canvas_h)
        return (x1, y1, x2, y2), (0, 0)
    raise ValueError(f"mosaic tile index {index}: expected 0..3")


def build_mosaic(
    images: Sequence[np.ndarray], boxes: Sequence[np.ndarray], input_hw, centre: Tuple[int, int]
):
    """Paste 4 (already resized) images around `centre` on a (2H, 2W) grey canvas.

    Args:
        images: 4 arrays (h_i, w_i, 3); boxes: 4 arrays (n_i, 4) XYXY in their image's pixels.
        input_hw: (H, W) of the network input; the canvas is (2H, 2W).
        centre: (xc, yc) on the canvas.
    Returns:
        canvas (2H, 2W, 3) and boxes (sum n_i, 4) shifted by each tile's offset and clipped to the
        canvas (in input order; degenerate boxes are left for the caller's filter).
    """
    canvas_hw = (2 * input_hw[0], 2 * input_hw[1])
    canvas = np.full((*canvas_hw, images[0].shape[2]), PAD_VALUE, dtype=images[0].dtype)
    shifted = []
    for index, (image, tile_boxes) in enumerate(zip(images, boxes)):
        (x1, y1, x2, y2), (sx, sy) = mosaic_tile(index, centre, image.shape[:2], canvas_hw)
        canvas[y1:y2, x1:x2] = image[sy : sy + (y2 - y1), sx : sx + (x2 - x1)]
        shifted.append(
            np.asarray(tile_boxes, dtype=np.float64).reshape(-1, 4)
            + [x1 - sx, y1 - sy, x1 - sx, y1 - sy]
        )
    out = np.concatenate(shifted)
    out[:, 0::2] = out[:, 0::2].clip(0, canvas_hw[1])
    out[:, 1::2] = out[:, 1::2].clip(0, canvas_hw[0])
    return canvas, out


def mixup(
    image,
    boxes,
    classes,
    other_image,
    other_boxes,
    other_classes,
    jitter: float,
    flip: bool,
    offset_xy: Tuple[int, int],
):
    """Official YOLOX mixup (copy-paste style): letterbox `other` into the image size, scale by
    `jitter`, optionally flip, crop at `offset_xy`, blend 50/50 and append its surviving boxes.

    Args:
        image (H, W, 3) uint8, boxes (n, 4) XYXY, classes (n,); same for `other` (any size).
    Returns:
        image, boxes, classes (unchanged if no box of `other` survives).
    """
    target_h, target_w = image.shape[:2]
    ratio = min(target_h / other_image.shape[0], target_w / other_image.shape[1])
    letterboxed = np.full((target_h, target_w, 3), PAD_VALUE, dtype=np.uint8)
    rh, rw = int(other_image.shape[0] * ratio), int(other_image.shape[1] * ratio)
    letterboxed[:rh, :rw] = cv2.resize(other_image, (rw, rh))
    letterboxed = cv2.resize(letterboxed, (int(target_w * jitter), int(target_h * jitter)))
    ratio *= jitter
    if flip:
        letterboxed = letterboxed[:, ::-1]
    src_h, src_w = letterboxed.shape[:2]
    padded = np.zeros((max(src_h, target_h), max(src_w, target_w), 3), dtype=np.uint8)
    padded[:src_h, :src_w] = letterboxed
    x0, y0 = offset_xy
    crop = padded[y0 : y0 + target_h, x0 : x0 + target_w]

    scaled = np.asarray(other_boxes, dtype=np.float64).reshape(-1, 4) * ratio
    scaled[:, 0::2] = scaled[:, 0::2].clip(0, src_w)
    scaled[:, 1::2] = scaled[:, 1::2].clip(0, src_h)
    if flip:
        scaled[:, 0::2] = src_w - scaled[:, 2::-2]
    moved = scaled.copy()
    moved[:, 0::2] = (moved[:, 0::2] - x0).clip(0, target_w)
    moved[:, 1::2] = (moved[:, 1::2] - y0).clip(0, target_h)
    keep = box_candidates(scaled, moved, wh_thr=5)
    if not keep.any():
        return image, boxes, classes
    blended = (0.5 * image.astype(np.float32) + 0.5 * crop.astype(np.float32)).astype(np.uint8)
    return (
        blended,
        np.concatenate([boxes, moved[keep]]),
        np.concatenate([classes, np.asarray(other_classes)[keep]]),
    )


def boxes_and_classes(dataset_dict: Dict):
    annos = [a for a in dataset_dict.get("annotations", []) if not a.get("iscrowd", 0)]
    boxes = np.array(
        [BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYXY_ABS) for a in annos],
        dtype=np.float64,
    ).reshape(-1, 4)
    classes = np.array([a["category_id"] for a in annos], dtype=np.int64)
    return boxes, classes


def _to_annotations(boxes, classes) -> List[Dict]:
    return [
        {"bbox": b.tolist(), "bbox_mode": BoxMode.XYXY_ABS, "category_id": int(c)}
        for b, c in zip(boxes, classes)
    ]


class MosaicMixupDataset(torch.utils.data.Dataset):
    """Wraps Detectron2 dataset dicts. With mosaic on (probability `mosaic_prob`), item i is a
    mosaic of i and 3 random images, warped by `RandomAffine` to `input_size`, then mixed up
    (probability `mixup_prob`) with a random image. The item is a dataset dict with "image"
    (H, W, 3) uint8 already loaded and XYXY_ABS "annotations", for `YOLOXDatasetMapper`.
    With mosaic off (`enable_mosaic=False`, the last epochs) items are the original dicts.
    Defaults: official yolox_base.py (degrees 10, translate 0.1, mosaic_scale (0.1, 2),
    shear 2, mixup_scale (0.5, 1.5))."""

    def __init__(
        self,
        dataset: List[Dict],
        input_size=640,
        *,
        enable_mosaic=True,
        enable_mixup=True,
        mosaic_prob=1.0,
        mixup_prob=1.0,
        degrees=10.0,
        translate=0.1,
        mosaic_scale=(0.1, 2.0),
        shear=2.0,
        mixup_scale=(0.5, 1.5),
        image_format="BGR",
    ):
        self.dataset = list(dataset)
        # an int is a square input (official default 640 x 640)
        self.input_size = (
            (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
        )
        self.enable_mosaic, self.enable_mixup = enable_mosaic, enable_mixup
        self.mosaic_prob, self.mixup_prob = mosaic_prob, mixup_prob
        self.affine = RandomAffine(degrees, translate, mosaic_scale, shear, self.input_size)
        self.mixup_scale = mixup_scale
        self.image_format = image_format
        self._with_boxes = [i for i, d in enumerate(self.dataset) if len(boxes_and_classes(d)[0])]

    def set_mosaic(self, enabled: bool):
        """Switch mosaic and mixup together (`NoAugSwitchHook`)."""
        self.enable_mosaic = self.enable_mixup = enabled

    def __len__(self):
        return len(self.dataset)

    def _load(self, index):
        d = self.dataset[index]
        image = utils.read_image(d["file_name"], format=self.image_format)
        boxes, classes = boxes_and_classes(d)
        return image, boxes, classes

    def __getitem__(self, index):
        if not (self.enable_mosaic and random.random() < self.mosaic_prob):
            return copy.deepcopy(self.dataset[index])
        h, w = self.input_size
        indices = [index] + [random.randrange(len(self)) for _ in range(3)]
        images, boxes, classes = [], [], []
        for i in indices:
            image, b, c = self._load(i)
            scale = min(h / image.shape[0], w / image.shape[1])
            size = (int(image.shape[1] * scale), int(image.shape[0] * scale))
            images.append(cv2.resize(image, size, interpolation=cv2.INTER_LINEAR))
            boxes.append(b * scale)
            classes.append(c)
        centre = (int(random.uniform(0.5 * w, 1.5 * w)), int(random.uniform(0.5 * h, 1.5 * h)))
        canvas, mosaic_boxes = build_mosaic(images, boxes, self.input_size, centre)
        mosaic_classes = np.concatenate(classes)

        aug_input = T.AugInput(canvas, boxes=mosaic_boxes)
        tfm = self.affine(aug_input)
        image = aug_input.image
        warped = aug_input.boxes.copy()
        warped[:, 0::2] = warped[:, 0::2].clip(0, w)
        warped[:, 1::2] = warped[:, 1::2].clip(0, h)
        scale = np.sqrt(abs(np.linalg.det(tfm.matrix[:2, :2])))
        keep = box_candidates(mosaic_boxes * scale, warped)
        boxes, classes = warped[keep], mosaic_classes[keep]

        if (
            self.enable_mixup
            and len(boxes)
            and self._with_boxes
            and (random.random() < self.mixup_prob)
        ):
            other, other_boxes, other_classes = self._load(random.choice(self._with_boxes))
            jitter = random.uniform(*self.mixup_scale)
            flip = random.random() > 0.5
            max_y = max(int(h * jitter) - h, 0)
            max_x = max(int(w * jitter) - w, 0)
            offset = (random.randint(0, max(max_x - 1, 0)), random.randint(0, max(max_y - 1, 0)))
            image, boxes, classes = mixup(
                image, boxes, classes, other, other_boxes, other_classes, jitter, flip, offset
            )

        out = {k: v for k, v in self.dataset[index].items() if k != "annotations"}
        out.update(image=image, height=h, width=w, annotations=_to_annotations(boxes, classes))
        return out
