"""Photometric augmentations of MIC's masked target view (DACS-style colour jitter and Gaussian
blur), as Detectron2 Augmentations so each sample draws its own parameters in the mapper."""

import math

import cv2
import numpy as np
from detectron2.data.transforms import Augmentation, ColorTransform, NoOpTransform

__all__ = ["RandomColorJitter", "RandomGaussianBlur", "color_jitter", "gaussian_blur"]


def _gray(img: np.ndarray, image_format: str) -> np.ndarray:
    """(H, W, 3) float -> (H, W, 1) luma."""
    r, g, b = (
        (img[..., 0], img[..., 1], img[..., 2])
        if image_format == "RGB"
        else (img[..., 2], img[..., 1], img[..., 0])
    )
    return (0.299 * r + 0.587 * g + 0.114 * b)[..., None]


def color_jitter(
    img: np.ndarray,
    brightness: float,
    contrast: float,
    saturation: float,
    hue: float,
    order,
    image_format: str = "RGB",
) -> np.ndarray:
    """Kornia-style colour jitter of a (H, W, 3) uint8 image.

    brightness: additive shift (factor - 1) in [0, 1] intensity units; contrast and saturation:
    blend factors towards the mean grey / the grey image; hue: rotation as a fraction of the
    circle. `order` is a permutation of range(4) (brightness, contrast, saturation, hue).
    """
    x = img.astype(np.float32) / 255.0
    for op in order:
        if op == 0:
            x = x + (brightness - 1.0)
        elif op == 1:
            x = (x - _gray(x, image_format).mean()) * contrast + _gray(x, image_format).mean()
        elif op == 2:
            grey = _gray(x, image_format)
            x = (x - grey) * saturation + grey
        else:
            x = np.clip(x, 0.0, 1.0)
            code = cv2.COLOR_RGB2HSV if image_format == "RGB" else cv2.COLOR_BGR2HSV
            back = cv2.COLOR_HSV2RGB if image_format == "RGB" else cv2.COLOR_HSV2BGR
            hsv = cv2.cvtColor(x, code)  # H in degrees for float input
            hsv[..., 0] = np.mod(hsv[..., 0] + hue * 360.0, 360.0)
            x = cv2.cvtColor(hsv, back)
        x = np.clip(x, 0.0, 1.0)
    return np.round(x * 255.0).astype(np.uint8)


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a (H, W, C) uint8 image.

    The official kernel spans about 10 % of each image side; weights beyond 4 sigma are below
    1e-4 of the peak, so the kernel is cut there (same output up to rounding, much cheaper).
    """
    h, w = img.shape[:2]
    radius = int(math.ceil(4 * sigma))

    def ksize(side):
        official = int(np.floor(np.ceil(0.1 * side) - 0.5 + np.ceil(0.1 * side) % 2))
        return max(1, min(official, 2 * radius + 1))

    return cv2.GaussianBlur(
        img, (ksize(w), ksize(h)), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101
    )


class RandomColorJitter(Augmentation):
    """With probability `prob`, jitter brightness, contrast, saturation (factors in [1-s, 1+s])
    and hue (in [-s, s] of the circle) in a random order. MIC: s = 0.2, applied iff U > 0.2.
    `image_format`: channel order of the images it sees (MultiViewDatasetMapper augments RGB)."""

    def __init__(self, strength: float = 0.2, prob: float = 0.8, image_format: str = "RGB"):
        super().__init__()
        self._init(locals())

    def get_transform(self, image):
        if self._rand_range() >= self.prob:
            return NoOpTransform()
        s = self.strength
        b, c, sat = (float(np.random.uniform(max(0.0, 1 - s), 1 + s)) for _ in range(3))
        h = float(np.random.uniform(-s, s))
        order = np.random.permutation(4).tolist()
        fmt = self.image_format
        return ColorTransform(lambda img: color_jitter(img, b, c, sat, h, order, fmt))


class RandomGaussianBlur(Augmentation):
    """With probability `prob`, blur, sigma ~ U(sigma_min, sigma_max) (MIC: 0.5, 0.15, 1.15)."""

    def __init__(self, prob: float = 0.5, sigma_min: float = 0.15, sigma_max: float = 1.15):
        super().__init__()
        self._init(locals())

    def get_transform(self, image):
        if self._rand_range() >= self.prob:
            return NoOpTransform()
        sigma = float(np.random.uniform(self.sigma_min, self.sigma_max))
        return ColorTransform(lambda img: gaussian_blur(img, sigma))
