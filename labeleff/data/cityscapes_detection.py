"""Cityscapes / Foggy Cityscapes as a detection dataset (the 8 instance classes of the DA
benchmarks, boxes from the gtFine polygons): MIC's source and target domains."""

import glob
import json
import os
from typing import List, Optional

from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import BoxMode

__all__ = ["CITYSCAPES_CLASSES", "load_cityscapes_detection", "register_cityscapes_detection"]

# the 8 instance classes of the Cityscapes -> Foggy Cityscapes detection benchmark
CITYSCAPES_CLASSES = ["person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle"]


def load_cityscapes_detection(
    image_dir: str, gt_dir: str, foggy_beta: Optional[float] = None
) -> List[dict]:
    """Detectron2 dataset dicts of one Cityscapes split, boxes from `*_gtFine_polygons.json`.

    Args:
        image_dir: `leftImg8bit/<split>` (or `leftImg8bit_foggy/<split>` with `foggy_beta`), one
            folder per city.
        gt_dir: `gtFine/<split>` (Foggy Cityscapes shares the Cityscapes annotations).
        foggy_beta: None for clear images `<stem>_leftImg8bit.png`; else the fog density of
            `<stem>_leftImg8bit_foggy_beta_<beta>.png` (MIC/DA benchmarks: 0.02).
    Returns:
        list of dicts with file_name, image_id (the stem), height, width and annotations (XYXY_ABS
        boxes = polygon bounds clipped to the image, category_id in CITYSCAPES_CLASSES order).
        Group labels ("cargroup", ...) and other classes are skipped; a missing image is an error.
    """
    suffix = "leftImg8bit.png" if foggy_beta is None else f"leftImg8bit_foggy_beta_{foggy_beta}.png"
    polygon_files = sorted(glob.glob(os.path.join(gt_dir, "*", "*_gtFine_polygons.json")))
    if not polygon_files:
        raise FileNotFoundError(f"no */*_gtFine_polygons.json under {gt_dir}")
    category = {name: i for i, name in enumerate(CITYSCAPES_CLASSES)}
    dicts = []
    for path in polygon_files:
        city = os.path.basename(os.path.dirname(path))
        stem = os.path.basename(path)[: -len("gtFine_polygons.json")]
        file_name = os.path.join(image_dir, city, stem + suffix)
        if not os.path.isfile(file_name):
            raise FileNotFoundError(f"image {file_name} for annotation {path} does not exist")
        with open(path) as f:
            ann = json.load(f)
        height, width = ann["imgHeight"], ann["imgWidth"]
        annotations = []
        for obj in ann["objects"]:
            if obj["label"] not in category or len(obj["polygon"]) < 3:
                continue
            xs = [p[0] for p in obj["polygon"]]
            ys = [p[1] for p in obj["polygon"]]
            x0, y0 = max(min(xs), 0), max(min(ys), 0)
            x1, y1 = min(max(xs), width), min(max(ys), height)
            if x1 <= x0 or y1 <= y0:
                continue
            annotations.append(
                {
                    "bbox": [float(x0), float(y0), float(x1), float(y1)],
                    "bbox_mode": BoxMode.XYXY_ABS,
                    "category_id": category[obj["label"]],
                    "iscrowd": 0,
                }
            )
        dicts.append(
            {
                "file_name": file_name,
                "image_id": stem.rstrip("_"),
                "height": height,
                "width": width,
                "annotations": annotations,
            }
        )
    return dicts


def register_cityscapes_detection(
    name: str, image_dir: str, gt_dir: str, foggy_beta: Optional[float] = None
) -> str:
    """Register a (Foggy) Cityscapes detection split as `name` (idempotent); returns `name`."""
    if name not in DatasetCatalog.list():
        DatasetCatalog.register(
            name, lambda: load_cityscapes_detection(image_dir, gt_dir, foggy_beta)
        )
        MetadataCatalog.get(name).set(
            thing_classes=list(CITYSCAPES_CLASSES),
            evaluator_type="coco",
            image_dir=image_dir,
            gt_dir=gt_dir,
        )
    return name
