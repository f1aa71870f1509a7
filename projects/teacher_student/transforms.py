"""Detectron2 Transforms the strong view needs and Detectron2 lacks: affine warps (rotate, shear,
translate), PIL colour ops and erased patches. Each exposes `.matrix`, the (3, 3) map of
coordinates (identity for photometric ones). Images are HWC uint8 RGB.
"""

import math

import cv2
import numpy as np
from fvcore.transforms.transform import NoOpTransform, Transform
from PIL import Image, ImageEnhance, ImageOps

__all__ = [
    "AffineTransform",
    "rotation_matrix",
    "shear_matrix",
    "translation_matrix",
    "ColorOpTransform",
    "COLOR_OPS",
    "EraseTransform",
]


def translation_matrix(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def rotation_matrix(angle: float, center) -> np.ndarray:
    """Rotation by `angle` degrees about `center` (x, y); positive is counter-clockwise on screen
    (y points down), as in cv2.getRotationMatrix2D."""
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    rot = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    cx, cy = center
    return translation_matrix(cx, cy) @ rot @ translation_matrix(-cx, -cy)


def shear_matrix(angle_x: float, angle_y: float, center) -> np.ndarray:
    """Shear about `center`: x' = x + tan(angle_x) (y - cy), y' = y + tan(angle_y) (x - cx)."""
    sx, sy = math.tan(math.radians(angle_x)), math.tan(math.radians(angle_y))
    shear = np.array([[1.0, sx, 0.0], [sy, 1.0, 0.0], [0.0, 0.0, 1.0]])
    cx, cy = center
    return translation_matrix(cx, cy) @ shear @ translation_matrix(-cx, -cy)


class AffineTransform(Transform):
    """Warp by a (3, 3) affine `matrix` (original -> output coordinates) onto an h x w canvas;
    uncovered pixels get `fill` (segmentation: `seg_fill`)."""

    def __init__(self, matrix: np.ndarray, h: int, w: int, fill: int = 125, seg_fill: int = 255):
        super().__init__()
        self._set_attributes(locals())
        self.matrix = np.asarray(matrix, dtype=np.float64)

    def _warp(self, img, interp, fill):
        # cv2 samples at integer pixel centres; the matrix is in continuous coordinates
        # (centre of pixel j is j + 0.5), hence the half-pixel shifts
        m = translation_matrix(-0.5, -0.5) @ self.matrix @ translation_matrix(0.5, 0.5)
        border = fill if img.ndim == 2 else (fill,) * img.shape[2]
        out = cv2.warpAffine(
            img,
            m[:2],
            (self.w, self.h),
            flags=interp,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=border,
        )
        return out.reshape(out.shape[:2] + img.shape[2:])

    def apply_image(self, img: np.ndarray) -> np.ndarray:
        return self._warp(img, cv2.INTER_LINEAR, self.fill)

    def apply_segmentation(self, segmentation: np.ndarray) -> np.ndarray:
        return self._warp(segmentation, cv2.INTER_NEAREST, self.seg_fill)

    def apply_coords(self, coords: np.ndarray) -> np.ndarray:
        """coords: (N, 2) float array of (x, y)."""
        return coords @ self.matrix[:2, :2].T + self.matrix[:2, 2]

    def inverse(self) -> Transform:
        return AffineTransform(np.linalg.inv(self.matrix), self.h, self.w, self.fill, self.seg_fill)


def _enhance(enhancer):
    return lambda img, factor: enhancer(img).enhance(factor)


# op name -> f(PIL image, magnitude); magnitudes: enhance factor, solarize threshold, posterize bits
COLOR_OPS = {
    "identity": lambda img, _: img,
    "autocontrast": lambda img, _: ImageOps.autocontrast(img),
    "equalize": lambda img, _: ImageOps.equalize(img),
    "solarize": lambda img, threshold: ImageOps.solarize(img, int(threshold)),
    "color": _enhance(ImageEnhance.Color),
    "contrast": _enhance(ImageEnhance.Contrast),
    "brightness": _enhance(ImageEnhance.Brightness),
    "sharpness": _enhance(ImageEnhance.Sharpness),
    "posterize": lambda img, bits: ImageOps.posterize(img, int(bits)),
}


class ColorOpTransform(Transform):
    """One PIL colour op (a key of `COLOR_OPS`) with its magnitude; coordinates unchanged."""

    matrix = np.eye(3)

    def __init__(self, op: str, magnitude: float = 0.0):
        super().__init__()
        if op not in COLOR_OPS:
            raise ValueError(
                f"ColorOpTransform: unknown op {op!r}; expected one of {list(COLOR_OPS)}"
            )
        self._set_attributes(locals())

    def apply_image(self, img: np.ndarray) -> np.ndarray:
        out = COLOR_OPS[self.op](Image.fromarray(img), self.magnitude)
        return np.asarray(out, dtype=img.dtype)

    def apply_coords(self, coords: np.ndarray) -> np.ndarray:
        return coords

    def apply_segmentation(self, segmentation: np.ndarray) -> np.ndarray:
        return segmentation

    def inverse(self) -> Transform:
        return NoOpTransform()


class EraseTransform(Transform):
    """Fill rectangles `patches` ((K, 4) int XYXY, pixel bounds) of the image with `fill`;
    coordinates and segmentation unchanged (boxes are kept, as in Soft Teacher)."""

    matrix = np.eye(3)

    def __init__(self, patches: np.ndarray, fill: int = 125):
        super().__init__()
        self._set_attributes(locals())

    def apply_image(self, img: np.ndarray) -> np.ndarray:
        out = img.copy()
        for x0, y0, x1, y1 in np.asarray(self.patches, dtype=np.int64).reshape(-1, 4):
            out[y0:y1, x0:x1] = self.fill
        return out

    def apply_coords(self, coords: np.ndarray) -> np.ndarray:
        return coords

    def apply_segmentation(self, segmentation: np.ndarray) -> np.ndarray:
        return segmentation

    def inverse(self) -> Transform:
        return NoOpTransform()
