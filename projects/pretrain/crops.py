"""Foreground / background crops from a detection dataset for fg/bg pretraining.

Foreground: each GT box enlarged by a context margin. Background: random boxes whose IoU with every
GT box of the image is below a threshold. `plan_crops` is pure (dataset dicts in, crop specs out,
deterministic with a seed); `write_crops` cuts, resizes and saves them with a label file.
"""

import csv
import json
import os
from typing import Dict, List, Sequence

import cv2
import numpy as np
from detectron2.structures import BoxMode

__all__ = [
    "expand_box",
    "box_iou",
    "sample_background_boxes",
    "plan_crops",
    "cut_crop",
    "write_crops",
    "load_crop_labels",
    "coco_to_dataset_dicts",
]

BACKGROUND = 0  # label of background crops; foreground is 1 (or category index + 1)


def expand_box(box: Sequence[float], margin: float, width: int, height: int) -> List[float]:
    """XYXY box grown by `margin` x its size on each side, clipped to the image."""
    x0, y0, x1, y1 = box
    mw, mh = margin * (x1 - x0), margin * (y1 - y0)
    return [
        max(0.0, x0 - mw),
        max(0.0, y0 - mh),
        min(float(width), x1 + mw),
        min(float(height), y1 + mh),
    ]


def box_iou(box: Sequence[float], boxes: np.ndarray) -> np.ndarray:
    """IoU of one XYXY box with (M, 4) XYXY boxes -> (M,)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    iw = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    ih = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = iw * ih
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def sample_background_boxes(
    gt: np.ndarray,
    width: int,
    height: int,
    num: int,
    max_iou: float,
    rng: np.random.Generator,
    min_size: float = 16.0,
    max_tries: int = 100,
) -> List[List[float]]:
    """Up to `num` square-ish XYXY boxes with IoU < max_iou to every row of gt (M, 4).

    Sizes are drawn between `min_size` and half the short image side (or the median GT size
    range when there are GT boxes); fewer are returned if `max_tries` draws per box fail.
    """
    out = []
    short = min(width, height)
    if gt.size:
        sides = np.sqrt((gt[:, 2] - gt[:, 0]) * (gt[:, 3] - gt[:, 1]))
        lo, hi = max(min_size, 0.5 * sides.min()), max(min_size, 1.5 * sides.max())
    else:
        lo, hi = min_size, max(min_size, 0.5 * short)
    hi = min(hi, short)
    lo = min(lo, hi)
    for _ in range(num):
        for _try in range(max_tries):
            s = float(rng.uniform(lo, hi))
            ar = float(rng.uniform(0.75, 1.33))
            bw, bh = min(s * ar, width), min(s / ar, height)
            x0, y0 = float(rng.uniform(0, width - bw)), float(rng.uniform(0, height - bh))
            box = [x0, y0, x0 + bw, y0 + bh]
            if not gt.size or box_iou(box, gt).max() < max_iou:
                out.append(box)
                break
    return out


def plan_crops(
    dataset_dicts: List[Dict],
    margin: float = 0.2,
    bg_per_image: int = 2,
    bg_max_iou: float = 0.1,
    per_category: bool = False,
    seed: int = 0,
    min_box_size: float = 4.0,
) -> List[Dict]:
    """Crop specs `{file_name, box (XYXY), label, kind ("fg"/"bg"), image_id}` for every image.

    dataset_dicts: Detectron2 dicts (`file_name`, `height`, `width`, `annotations` with `bbox`,
    `bbox_mode`, `category_id` contiguous). label: 0 background, 1 foreground, or with
    per_category the category index + 1. Crowd boxes and boxes under `min_box_size` px are not
    foreground crops but still count as GT for the background IoU test.
    """
    rng = np.random.default_rng(seed)
    specs = []
    for d in dataset_dicts:
        w, h = int(d["width"]), int(d["height"])
        gts, fg = [], []
        for a in d.get("annotations", []):
            b = BoxMode.convert(
                list(a["bbox"]), a.get("bbox_mode", BoxMode.XYWH_ABS), BoxMode.XYXY_ABS
            )
            gts.append(b)
            if a.get("iscrowd", 0) or min(b[2] - b[0], b[3] - b[1]) < min_box_size:
                continue
            label = int(a["category_id"]) + 1 if per_category else 1
            fg.append((expand_box(b, margin, w, h), label))
        for box, label in fg:
            specs.append(
                dict(
                    file_name=d["file_name"],
                    box=box,
                    label=label,
                    kind="fg",
                    image_id=d.get("image_id"),
                )
            )
        gt = np.asarray(gts, dtype=np.float64).reshape(-1, 4)
        for box in sample_background_boxes(gt, w, h, bg_per_image, bg_max_iou, rng):
            specs.append(
                dict(
                    file_name=d["file_name"],
                    box=box,
                    label=BACKGROUND,
                    kind="bg",
                    image_id=d.get("image_id"),
                )
            )
    return specs


def cut_crop(image: np.ndarray, box: Sequence[float], size: int) -> np.ndarray:
    """(H, W, C) image -> (size, size, C) resized crop of the XYXY box (integer-rounded)."""
    x0, y0 = int(np.floor(box[0])), int(np.floor(box[1]))
    x1, y1 = int(np.ceil(box[2])), int(np.ceil(box[3]))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    return cv2.resize(image[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_LINEAR)


def write_crops(
    specs: List[Dict], out_dir: str, size: int = 224, label_format: str = "json"
) -> str:
    """Save each spec as `<out_dir>/<kind>/<index:06d>.jpg` and a label file
    (`labels.json`: list of {file, label, kind, source, box}; or `labels.csv`). Returns its path."""
    if label_format not in ("json", "csv"):
        raise ValueError(f"label_format must be 'json' or 'csv', got {label_format!r}")
    rows, cache = [], {}
    for i, s in enumerate(specs):
        src = s["file_name"]
        if src not in cache:
            cache.clear()
            img = cv2.imread(src, cv2.IMREAD_COLOR)
            if img is None:
                raise IOError(f"cannot read image {src}")
            cache[src] = img
        rel = os.path.join(s["kind"], f"{i:06d}.jpg")
        os.makedirs(os.path.join(out_dir, s["kind"]), exist_ok=True)
        cv2.imwrite(os.path.join(out_dir, rel), cut_crop(cache[src], s["box"], size))
        rows.append(
            dict(
                file=rel,
                label=int(s["label"]),
                kind=s["kind"],
                source=src,
                box=[round(float(v), 2) for v in s["box"]],
            )
        )
    path = os.path.join(out_dir, f"labels.{label_format}")
    if label_format == "json":
        with open(path, "w") as f:
            json.dump(rows, f, indent=0)
    else:
        with open(path, "w", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["file", "label", "kind", "source", "x0", "y0", "x1", "y1"])
            for r in rows:
                wr.writerow([r["file"], r["label"], r["kind"], r["source"], *r["box"]])
    return path


def load_crop_labels(path: str) -> List[Dict]:
    """Rows of a `write_crops` label file with `file` made absolute: [{file, label, kind}, ...]."""
    root = os.path.dirname(os.path.abspath(path))
    if path.endswith(".csv"):
        with open(path, newline="") as f:
            rows = [
                dict(file=r["file"], label=int(r["label"]), kind=r["kind"])
                for r in csv.DictReader(f)
            ]
    else:
        with open(path) as f:
            rows = json.load(f)
    for r in rows:
        r["file"] = os.path.join(root, r["file"])
    return rows


def coco_to_dataset_dicts(coco: Dict, image_root: str) -> List[Dict]:
    """A validated COCO dict (labeleff.data.load_coco_json) -> Detectron2-style dicts with
    contiguous category ids (sorted COCO ids)."""
    cat_ids = sorted(c["id"] for c in coco["categories"])
    contiguous = {c: i for i, c in enumerate(cat_ids)}
    anns: Dict[int, List] = {}
    for a in coco["annotations"]:
        anns.setdefault(a["image_id"], []).append(
            dict(
                bbox=a["bbox"],
                bbox_mode=BoxMode.XYWH_ABS,
                category_id=contiguous[a["category_id"]],
                iscrowd=a.get("iscrowd", 0),
            )
        )
    return [
        dict(
            file_name=os.path.join(image_root, im["file_name"]),
            height=im["height"],
            width=im["width"],
            image_id=im["id"],
            annotations=anns.get(im["id"], []),
        )
        for im in coco["images"]
    ]
