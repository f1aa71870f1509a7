"""YOLOX image transforms as Detectron2 Transforms / Augmentations: letterbox resize, HSV jitter,
random affine (rotation, scale, shear, translation), and the post-affine box filter."""

import math

import cv2
import numpy as np
from detectron2.data import transforms as T
from fvcore.transforms.transform import Transform

PAD_VALUE = 114  # YOLOX letterbox / border grey


class LetterboxTransform(Transform):
    """Resize by `scale` (aspect kept), then, if `pad_to` (H, W) is given, paste top-left on a
    grey canvas of that size."""

    def __init__(self, h: int, w: int, scale: float, pad_to=None, pad_value: int = PAD_VALUE):
        super().__init__()
        self._set_attributes(locals())

    def apply_image(self, img):
        new_w, new_h = int(self.w * self.scale), int(self.h * self.scale)
        img = np.ascontiguousarray(img)  # flips give negative strides, which cv2 rejects
        resized = cv2.resize(img, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        if resized.ndim == 2 and img.ndim == 3:
            resized = resized[:, :, None]
        if self.pad_to is None:
            return resized
        canvas = np.full((*self.pad_to, *img.shape[2:]), self.pad_value, dtype=img.dtype)
        canvas[:new_h, :new_w] = resized
        return canvas

    def apply_coords(self, coords):
        return coords * self.scale

    def apply_segmentation(self, segmentation):
        raise NotImplementedError("YOLOX letterbox has no segmentation support")


class Letterbox(T.Augmentation):
    """Fit the image inside `size` x `size` (official `preproc`); pad to the square if `pad`."""

    def __init__(self, size: int = 640, pad: bool = True):
        super().__init__()
        self.size, self.pad = size, pad

    def get_transform(self, image):
        h, w = image.shape[:2]
        scale = min(self.size / h, self.size / w)
        return LetterboxTransform(h, w, scale, (self.size, self.size) if self.pad else None)


class HSVTransform(Transform):
    """Multiply hue / saturation / value by `gains` (3,) with look-up tables (uint8 images)."""

    def __init__(self, gains, image_format: str = "BGR"):
        super().__init__()
        self._set_attributes(locals())

    def apply_image(self, img):
        to_hsv, from_hsv = {
            "BGR": (cv2.COLOR_BGR2HSV, cv2.COLOR_HSV2BGR),
            "RGB": (cv2.COLOR_RGB2HSV, cv2.COLOR_HSV2RGB),
        }[self.image_format]
        hue, sat, val = cv2.split(cv2.cvtColor(img, to_hsv))
        x = np.arange(256, dtype=np.float64)
        luts = [
            (x * self.gains[0]) % 180,
            np.clip(x * self.gains[1], 0, 255),
            np.clip(x * self.gains[2], 0, 255),
        ]
        hsv = cv2.merge([cv2.LUT(c, lut.astype(np.uint8)) for c, lut in zip((hue, sat, val), luts)])
        return cv2.cvtColor(hsv, from_hsv)

    def apply_coords(self, coords):
        return coords


class RandomHSV(T.Augmentation):
    """HSV jitter with gains uniform in 1 +- (0.015, 0.7, 0.4) (official `augment_hsv`)."""

    def __init__(self, hgain=0.015, sgain=0.7, vgain=0.4, prob=1.0, image_format="BGR"):
        super().__init__()
        self._init(locals())

    def get_transform(self, image):
        if self._rand_range() >= self.prob:
            return T.NoOpTransform()
        gains = np.random.uniform(-1, 1, 3) * [self.hgain, self.sgain, self.vgain] + 1
        return HSVTransform(gains, self.image_format)


class AffineTransform(Transform):
    """Warp by a 3x3 affine `matrix` onto an (out_h, out_w) grey canvas; boxes map by their four
    corners (Detectron2's `apply_box`)."""

    def __init__(self, matrix, out_h: int, out_w: int, pad_value: int = PAD_VALUE):
        super().__init__()
        self._set_attributes(locals())

    def apply_image(self, img):
        return cv2.warpAffine(
            img, self.matrix[:2], (self.out_w, self.out_h), borderValue=(self.pad_value,) * 3
        )

    def apply_coords(self, coords):
        return coords @ self.matrix[:2, :2].T + self.matrix[:2, 2]


def affine_matrix(in_hw, out_hw, degrees, scale, shear_xy, translate_xy):
    """3x3 matrix: move the input centre to the origin, rotate+scale, shear, then translate to
    `translate_xy` (fractions of the output size)."""
    centre = np.eye(3)
    centre[:2, 2] = [-in_hw[1] / 2, -in_hw[0] / 2]
    rotate = np.eye(3)
    rotate[:2] = cv2.getRotationMatrix2D(angle=degrees, center=(0, 0), scale=scale)
    shear = np.eye(3)
    shear[0, 1] = math.tan(shear_xy[0] * math.pi / 180)
    shear[1, 0] = math.tan(shear_xy[1] * math.pi / 180)
    move = np.eye(3)
    move[:2, 2] = [translate_xy[0] * out_hw[1], translate_xy[1] * out_hw[0]]
    return move @ shear @ rotate @ centre


class RandomAffine(T.Augmentation):
    """Official `random_perspective` (affine case): rotation +-degrees, scale in `scale`,
    shear +-shear degrees, translation 0.5 +- translate of the output. `output_size` (H, W)
    defaults to the input size (mosaic passes the input size for a 2x canvas)."""

    def __init__(self, degrees=10.0, translate=0.1, scale=(0.1, 2.0), shear=2.0, output_size=None):
        super().__init__()
        self._init(locals())

    def get_transform(self, image):
        in_hw = image.shape[:2]
        out_hw = tuple(self.output_size) if self.output_size is not None else in_hw
        matrix = affine_matrix(
            in_hw,
            out_hw,
            degrees=np.random.uniform(-self.degrees, self.degrees),
            scale=np.random.uniform(*self.scale),
            shear_xy=np.random.uniform(-self.shear, self.shear, 2),
            translate_xy=np.random.uniform(0.5 - self.translate, 0.5 + self.translate, 2),
        )
        return AffineTransform(matrix, out_hw[0], out_hw[1])


def box_candidates(before, after, wh_thr=2.0, ar_thr=20.0, area_thr=0.2):
    """Keep boxes (official rule) whose transformed size is > wh_thr pixels, aspect ratio <
    ar_thr and area > area_thr of the (scaled) original. before, after (N, 4) XYXY -> (N,) bool."""
    w1, h1 = before[:, 2] - before[:, 0], before[:, 3] - before[:, 1]
    w2, h2 = after[:, 2] - after[:, 0], after[:, 3] - after[:, 1]
    aspect = np.maximum(w2 / (h2 + 1e-16), h2 / (w2 + 1e-16))
    return (
        (w2 > wh_thr) & (h2 > wh_thr) & (w2 * h2 / (w1 * h1 + 1e-16) > area_thr) & (aspect < ar_thr)
    )
