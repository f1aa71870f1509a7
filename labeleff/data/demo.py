"""A deterministic synthetic COCO-format detection dataset (shapes on textured backgrounds).

It lets the demo and the tests train offline: class = shape (circle, square, triangle), colour and
size (about 12-70 px on 160x160 images) vary, backgrounds carry gradients, blobs and lines.
A "fog" variant (I * t + A * (1 - t)) gives a domain shift for the adaptation demo.
A "varied" variant (`varied_shapes.py`) makes each class look many ways (rotation, elongation,
outline or striped fill, low contrast, unlabeled look-alike distractors), so that a few labeled
images cover the classes less well.
"""

import json
import os
import shutil
import tempfile

import cv2
import numpy as np

from .catalog import datasets_root, register_coco
from .varied_shapes import box_iou, draw_varied_image

__all__ = ["DEMO_CLASSES", "make_demo_detection", "register_demo_detection", "apply_fog"]

DEMO_CLASSES = ["circle", "square", "triangle"]
SPLIT_SIZES = {"train": 240, "val": 60}
VARIANTS = ("clear", "fog", "varied")
# Bump a variant's version whenever its generator's output changes: the data are cached on disk
# (with the semi-supervised split files beside them), and a new version gets a new folder instead
# of silently reusing images made by older code.
DATA_VERSIONS = {"clear": 1, "fog": 1, "varied": 1}
SPLIT_SEEDS = {"train": 1, "val": 2}
IMAGE_SIZE = (160, 160)  # (height, width)


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(h, w, 3) uint8 texture: colour gradient + low-frequency blobs + thin random lines."""
    c0, c1 = rng.uniform(40, 215, size=(2, 3))
    t = np.linspace(0, 1, w if rng.random() < 0.5 else h)
    grad = c0[None] * (1 - t[:, None]) + c1[None] * t[:, None]
    img = np.repeat(grad[None], h, 0) if grad.shape[0] == w else np.repeat(grad[:, None], w, 1)
    low = cv2.resize(rng.normal(0, 25, size=(5, 5, 3)), (w, h), interpolation=cv2.INTER_CUBIC)
    img = np.clip(img + low + rng.normal(0, 6, size=(h, w, 3)), 0, 255).astype(np.uint8)
    for _ in range(rng.integers(2, 6)):
        p1 = tuple(int(v) for v in rng.integers(0, [w, h]))
        p2 = tuple(int(v) for v in rng.integers(0, [w, h]))
        cv2.line(img, p1, p2, tuple(int(v) for v in rng.integers(0, 256, 3)), 1, cv2.LINE_AA)
    return img


def _draw(img: np.ndarray, cls: int, box, color) -> None:
    x0, y0, x1, y1 = box
    if cls == 0:
        cv2.ellipse(img, (((x0 + x1) / 2, (y0 + y1) / 2), (x1 - x0 - 1, y1 - y0 - 1), 0), color, -1)
    elif cls == 1:
        cv2.rectangle(img, (int(x0), int(y0)), (int(x1) - 1, int(y1) - 1), color, -1)
    else:
        pts = np.array([[(x0 + x1) / 2, y0], [x1 - 1, y1 - 1], [x0, y1 - 1]], dtype=np.int32)
        cv2.fillPoly(img, [pts], color)


def apply_fog(img: np.ndarray, transmission: float = 0.55, airlight: float = 210.0) -> np.ndarray:
    """Atmospheric scattering model I * t + A * (1 - t), with t decreasing towards the top of the
    image (farther away). img: (H, W, 3) uint8 -> (H, W, 3) uint8."""
    h = img.shape[0]
    t = transmission + (1 - transmission) * 0.5 * np.linspace(0, 1, h)[:, None, None]
    return np.clip(img * t + airlight * (1 - t), 0, 255).astype(np.uint8)


def _draw_plain_image(rng: np.random.Generator, h: int, w: int, background):
    """(h, w, 3) uint8 scene of the "clear" set: 1-4 axis-aligned shapes, boxes IoU < 0.2 apart, on
    `background(rng, h, w)`; returns (image, [(class index, integer XYXY box)])."""
    img = background(rng, h, w)
    boxes = []
    for _ in range(int(rng.integers(1, 5))):
        for _try in range(20):
            s = float(rng.uniform(12, 70))
            ar = float(rng.uniform(0.7, 1.4))
            bw, bh = min(s * ar, w - 2), min(s / ar, h - 2)
            x0, y0 = float(rng.uniform(0, w - bw)), float(rng.uniform(0, h - bh))
            box = [round(x0), round(y0), round(x0 + bw), round(y0 + bh)]
            if all(box_iou(box, b[1]) < 0.2 for b in boxes):
                boxes.append((int(rng.integers(0, len(DEMO_CLASSES))), box))
                break
    for cls, box in boxes:
        color = tuple(int(v) for v in rng.integers(0, 256, 3))
        _draw(img, cls, box, color)
    return img, boxes


def _annotation(ann_id: int, image_id: int, cls: int, box) -> dict:
    """COCO annotation of an integer XYXY box of class index `cls`."""
    return dict(
        id=ann_id,
        image_id=image_id,
        category_id=cls + 1,
        iscrowd=0,
        bbox=[box[0], box[1], box[2] - box[0], box[3] - box[1]],
        area=(box[2] - box[0]) * (box[3] - box[1]),
    )


def demo_folder(variant: str, root: str = None) -> str:
    """`<root>/demo_<variant>` (version 1) or `demo_<variant>_v<N>`."""
    version = DATA_VERSIONS[variant]
    suffix = "" if version == 1 else f"_v{version}"
    return os.path.join(root or datasets_root(), f"demo_{variant}{suffix}")


def _make_split(out_dir: str, split: str, variant: str) -> dict:
    rng = np.random.default_rng(SPLIT_SEEDS[split])
    h, w = IMAGE_SIZE
    images, annotations = [], []
    os.makedirs(os.path.join(out_dir, split))
    draw = draw_varied_image if variant == "varied" else _draw_plain_image
    for i in range(SPLIT_SIZES[split]):
        img, objects = draw(rng, h, w, _background)
        for cls, box in objects:
            annotations.append(_annotation(len(annotations) + 1, i + 1, cls, box))
        if variant == "fog":
            img = apply_fog(img)
        name = f"{i:05d}.jpg"
        cv2.imwrite(os.path.join(out_dir, split, name), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
        images.append(dict(id=i + 1, file_name=name, height=h, width=w))
    categories = [dict(id=k + 1, name=n) for k, n in enumerate(DEMO_CLASSES)]
    coco = dict(images=images, annotations=annotations, categories=categories)
    with open(os.path.join(out_dir, f"{split}.json"), "w") as f:
        json.dump(coco, f)
    return coco


def make_demo_detection(split: str = "train", variant: str = "clear", root: str = None):
    """Create (once) `<root>/demo_<variant>/{<split>/*.jpg, <split>.json}`; returns (json,
    image_root).

    Written into a temp folder and renamed, so concurrent processes never see half a dataset.
    """
    if split not in SPLIT_SIZES:
        raise ValueError(f"demo split must be one of {sorted(SPLIT_SIZES)}, got {split!r}")
    if variant not in VARIANTS:
        raise ValueError(f"demo variant must be one of {VARIANTS}, got {variant!r}")
    base = demo_folder(variant, root)
    json_file, image_root = os.path.join(base, f"{split}.json"), os.path.join(base, split)
    if not os.path.isfile(json_file):
        os.makedirs(base, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{split}.", dir=base)
        try:
            _make_split(tmp, split, variant)
            if not os.path.isfile(json_file):
                if os.path.isdir(image_root):
                    shutil.rmtree(image_root)
                os.replace(os.path.join(tmp, split), image_root)
                os.replace(os.path.join(tmp, f"{split}.json"), json_file)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return json_file, image_root


def register_demo_detection(
    name: str, split: str = "train", variant: str = "clear", root: str = None
) -> str:
    """Make (if needed) and register the demo dataset `split`/`variant` as `name`; returns
    `name`."""
    json_file, image_root = make_demo_detection(split, variant, root)
    return register_coco(name, json_file, image_root)
