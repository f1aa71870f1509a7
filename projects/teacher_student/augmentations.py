"""Random Detectron2 Augmentations of the strong view (Soft Teacher's RandAugment-style policy)
and the weak/strong view recipes built from them."""

from typing import Dict, List, Sequence, Tuple

import numpy as np
from detectron2.data import transforms as T
from fvcore.transforms.transform import TransformList

from .transforms import (
    COLOR_OPS,
    AffineTransform,
    ColorOpTransform,
    EraseTransform,
    rotation_matrix,
    shear_matrix,
    translation_matrix,
)

__all__ = [
    "OneOf",
    "ShuffledList",
    "RandomColorOp",
    "RandomTranslate",
    "RandomRotate",
    "RandomShear",
    "RandomErase",
    "weak_view_augmentations",
    "strong_view_augmentations",
    "views",
]

MAX_LEVEL = 10  # RandAugment magnitude levels, sampled in [1, MAX_LEVEL) as in Soft Teacher


class OneOf(T.Augmentation):
    """Apply one of `augmentations`, chosen uniformly."""

    def __init__(self, augmentations: Sequence[T.Augmentation]):
        super().__init__()
        self.augmentations = list(augmentations)

    def __call__(self, aug_input) -> TransformList:
        aug = self.augmentations[np.random.randint(len(self.augmentations))]
        return TransformList([aug(aug_input)])


class ShuffledList(T.Augmentation):
    """Apply all `augmentations` in a random order."""

    def __init__(self, augmentations: Sequence[T.Augmentation]):
        super().__init__()
        self.augmentations = list(augmentations)

    def __call__(self, aug_input) -> TransformList:
        order = np.random.permutation(len(self.augmentations))
        return TransformList([self.augmentations[i](aug_input) for i in order])


class RandomColorOp(T.Augmentation):
    """
    One colour op among `ops` with a random level in [1, 10): enhance factor = level * 1.8/10 + 0.1,
    solarize threshold = min(level * 256/10, 255), posterize bits = 4 - level * 4/10 (integer
    parts), the levels of Soft Teacher / STAC.
    """

    def __init__(self, ops: Sequence[str] = tuple(COLOR_OPS)):
        super().__init__()
        unknown = [op for op in ops if op not in COLOR_OPS]
        if unknown:
            raise ValueError(f"RandomColorOp: unknown ops {unknown}; expected {list(COLOR_OPS)}")
        self.ops = list(ops)

    def get_transform(self, image):
        op = self.ops[np.random.randint(len(self.ops))]
        level = np.random.randint(1, MAX_LEVEL)
        if op == "solarize":
            magnitude = min(int(level * 256 / MAX_LEVEL), 255)
        elif op == "posterize":
            magnitude = 4 - int(level * 4 / MAX_LEVEL)
        else:
            magnitude = level * 1.8 / MAX_LEVEL + 0.1
        return ColorOpTransform(op, magnitude)


class RandomTranslate(T.Augmentation):
    """Translate by a uniform fraction of the image width (`x`) and/or height (`y`)."""

    def __init__(self, x: Tuple[float, float] = None, y: Tuple[float, float] = None, fill=125):
        super().__init__()
        self._init(locals())

    def get_transform(self, image):
        h, w = image.shape[:2]
        dx = np.random.uniform(*self.x) * w if self.x is not None else 0.0
        dy = np.random.uniform(*self.y) * h if self.y is not None else 0.0
        return AffineTransform(translation_matrix(dx, dy), h, w, self.fill)


class RandomRotate(T.Augmentation):
    """Rotate by a uniform angle (degrees) about the image centre, same canvas."""

    def __init__(self, angle: Tuple[float, float] = (-30.0, 30.0), fill=125):
        super().__init__()
        self._init(locals())

    def get_transform(self, image):
        h, w = image.shape[:2]
        angle = np.random.uniform(*self.angle)
        return AffineTransform(rotation_matrix(angle, (w / 2, h / 2)), h, w, self.fill)


class RandomShear(T.Augmentation):
    """Shear by uniform angles (degrees) along x and/or y about the image centre, same canvas."""

    def __init__(self, x: Tuple[float, float] = None, y: Tuple[float, float] = None, fill=125):
        super().__init__()
        self._init(locals())

    def get_transform(self, image):
        h, w = image.shape[:2]
        ax = np.random.uniform(*self.x) if self.x is not None else 0.0
        ay = np.random.uniform(*self.y) if self.y is not None else 0.0
        return AffineTransform(shear_matrix(ax, ay, (w / 2, h / 2)), h, w, self.fill)


class RandomErase(T.Augmentation):
    """
    Erase `num_patches` (uniform integer, inclusive range) rectangles; each side is a uniform
    fraction in `size` of the image side (`squared`: the same fraction for both sides).
    """

    def __init__(
        self,
        num_patches: Tuple[int, int] = (1, 5),
        size: Tuple[float, float] = (0.0, 0.2),
        squared: bool = True,
        fill: int = 125,
    ):
        super().__init__()
        self._init(locals())

    def get_transform(self, image):
        h, w = image.shape[:2]
        patches = []
        for _ in range(np.random.randint(self.num_patches[0], self.num_patches[1] + 1)):
            rw = np.random.uniform(*self.size)
            rh = rw if self.squared else np.random.uniform(*self.size)
            pw, ph = int(rw * w), int(rh * h)
            x0, y0 = np.random.randint(0, w - pw + 1), np.random.randint(0, h - ph + 1)
            patches.append([x0, y0, x0 + pw, y0 + ph])
        return EraseTransform(np.array(patches, dtype=np.int64).reshape(-1, 4), self.fill)


def weak_view_augmentations(
    short_edge: Tuple[int, int] = (400, 1200), max_size: int = 1333
) -> List[T.Augmentation]:
    """Resize (shortest edge uniform in `short_edge`, longest <= max_size) + horizontal flip
    (Soft Teacher: 400-1200, 1333)."""
    return [
        T.ResizeShortestEdge(short_edge, max_size, sample_style="range"),
        T.RandomFlip(horizontal=True),
    ]


def strong_view_augmentations(
    short_edge: Tuple[int, int] = (400, 1200),
    max_size: int = 1333,
    translate: float = 0.1,
    rotate: float = 30.0,
    shear: float = 30.0,
    erase_patches: Tuple[int, int] = (1, 5),
    erase_size: Tuple[float, float] = (0.0, 0.2),
    fill: int = 125,
) -> List[T.Augmentation]:
    """
    Soft Teacher's strong view: resize + flip, then in random order one colour op and one
    geometric op (translate x or y +-`translate`, rotate +-`rotate` deg, or shear x then y
    +-`shear` deg), then `erase_patches` erased squares of side fraction `erase_size`.
    """
    geometric = OneOf(
        [
            RandomTranslate(x=(-translate, translate), fill=fill),
            RandomTranslate(y=(-translate, translate), fill=fill),
            RandomRotate(angle=(-rotate, rotate), fill=fill),
            T.AugmentationList(
                [
                    RandomShear(x=(-shear, shear), fill=fill),
                    RandomShear(y=(-shear, shear), fill=fill),
                ]
            ),
        ]
    )
    return weak_view_augmentations(short_edge, max_size) + [
        ShuffledList([RandomColorOp(), geometric]),
        RandomErase(erase_patches, erase_size, squared=True, fill=fill),
    ]


def views(**augmentations: List[T.Augmentation]) -> Dict[str, List[T.Augmentation]]:
    """{view name: augmentations} for `MultiViewDatasetMapper`, as a function so that a LazyConfig
    can build it (`instantiate` builds LazyCalls inside calls, not inside plain dicts):
    `views=L(views)(weak=L(weak_view_augmentations)(), strong=...)`."""
    return dict(augmentations)
