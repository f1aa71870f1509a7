"""The project's synthetic segmentation demo set: coloured shapes (disc, square, triangle) on
textured backgrounds, made deterministically under `datasets/ps_mt_demo/` on first use."""

import os

import cv2
import numpy as np

from labeleff.data import register_sem_seg
from labeleff.data.catalog import datasets_root

__all__ = ["DEMO_SEG_CLASSES", "make_demo_segmentation", "demo_segmentation_dataset"]

DEMO_SEG_CLASSES = ["background", "disc", "square", "triangle"]
_SIZES = {"train": 64, "val": 16}
_SEEDS = {"train": 0, "val": 1}
_VERSION = "v1"  # bump when the generator changes: the folder is remade


def _texture(rng: np.random.Generator, size: int) -> np.ndarray:
    """Smooth colour noise plus stripes of random frequency and angle: uint8 (size, size, 3)."""
    coarse = rng.uniform(0, 255, size=(4, 4, 3)).astype(np.float32)
    img = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    angle, freq = rng.uniform(0, np.pi), rng.uniform(0.1, 0.6)
    stripes = 30 * np.sin(freq * (xx * np.cos(angle) + yy * np.sin(angle)))
    img = img + stripes[..., None] + rng.normal(0, 8, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _draw_sample(rng: np.random.Generator, size: int):
    image = _texture(rng, size)
    label = np.zeros((size, size), np.uint8)
    for _ in range(rng.integers(1, 4)):
        cls = int(rng.integers(1, len(DEMO_SEG_CLASSES)))
        r = int(rng.integers(size // 10, size // 4))
        cx, cy = (int(v) for v in rng.integers(r, size - r, size=2))
        color = tuple(int(c) for c in rng.integers(0, 256, size=3))
        mask = np.zeros_like(label)
        if cls == 1:
            cv2.circle(mask, (cx, cy), r, 1, -1)
        elif cls == 2:
            cv2.rectangle(mask, (cx - r, cy - r), (cx + r, cy + r), 1, -1)
        else:
            pts = np.array([[cx, cy - r], [cx - r, cy + r], [cx + r, cy + r]], np.int32)
            cv2.fillPoly(mask, [pts], 1)
        image[mask > 0] = color
        label[mask > 0] = cls
    return image, label


def make_demo_segmentation(split: str = "train", root: str = None, image_size: int = 64) -> str:
    """Write `<root>/ps_mt_demo/{split}/{images,labels}` once (deterministic per split) and return
    the split folder. Pixel values of the label PNGs are class ids (0 = background)."""
    if split not in _SIZES:
        raise ValueError(f"demo segmentation split must be one of {list(_SIZES)}, got {split!r}")
    out = os.path.join(root or datasets_root(), "ps_mt_demo", split)
    stamp = os.path.join(out, f".complete_{_VERSION}_{image_size}")
    if os.path.isfile(stamp):
        return out
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    os.makedirs(os.path.join(out, "labels"), exist_ok=True)
    rng = np.random.default_rng(_SEEDS[split])
    for i in range(_SIZES[split]):
        image, label = _draw_sample(rng, image_size)
        cv2.imwrite(os.path.join(out, "images", f"{i:04d}.png"), image[:, :, ::-1])
        cv2.imwrite(os.path.join(out, "labels", f"{i:04d}.png"), label)
    open(stamp, "w").close()
    return out


def demo_segmentation_dataset(
    split: str = "train", name: str = None, root: str = None, **split_kwargs
) -> str:
    """Make (once) and register the demo split as `ps_mt_demo_<split>`; returns the name.
    `split_kwargs` (split_file, split_part, split_fraction, split_seed) select a labeled part."""
    folder = make_demo_segmentation(split, root)
    name = name or f"ps_mt_demo_{split}"
    return register_sem_seg(
        name,
        os.path.join(folder, "images"),
        os.path.join(folder, "labels"),
        DEMO_SEG_CLASSES,
        ignore_label=255,
        image_ext="png",
        **split_kwargs,
    )
