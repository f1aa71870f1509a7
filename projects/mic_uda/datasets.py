"""Domain-adaptation detection datasets: the small real pair coco128 (clear) -> DAWN fog on 6
shared classes; Cityscapes / Foggy Cityscapes detection lives in labeleff.data (re-exported)."""

import os
from typing import Sequence

from detectron2.data import DatasetCatalog

from labeleff.data import datasets_root, register_coco
from labeleff.data.cityscapes_detection import (
    CITYSCAPES_CLASSES,
    load_cityscapes_detection,
    register_cityscapes_detection,
)
from labeleff.data.class_subset import restrict_coco_classes
from labeleff.data.coco_io import write_coco_json
from labeleff.data.convert_voc import voc_to_coco
from labeleff.data.convert_yolo import yolo_split_dirs, yolo_to_coco

__all__ = [
    "CITYSCAPES_CLASSES",
    "SHARED_CLASSES",
    "load_cityscapes_detection",
    "register_cityscapes_detection",
    "restrict_coco_classes",
    "register_coco128_shared",
    "register_dawn_fog",
]


# classes shared by coco128 and DAWN (COCO names, COCO order)
SHARED_CLASSES = ["person", "bicycle", "car", "motorcycle", "bus", "truck"]


def _cache_json(name: str) -> str:
    return os.path.join(datasets_root(), "mic_uda", f"{name}.json")


def register_coco128_shared(
    name: str,
    root: str,
    splits: Sequence[str] = ("train2017", "val2017"),
    classes: Sequence[str] = SHARED_CLASSES,
) -> str:
    """coco128 (YOLO txt) restricted to `classes`, images without those classes dropped, splits
    merged; converted to `<datasets_root>/mic_uda/<name>.json` and registered. Returns `name`."""
    if name in DatasetCatalog.list():
        return name
    merged = {"images": [], "annotations": [], "categories": None}
    for split in splits:
        image_dir, label_dir = yolo_split_dirs(root, split)
        # coco128 ships a few label files without their image: skip them (logged)
        coco, _ = yolo_to_coco(
            image_dir, label_dir, os.path.join(root, "config.yaml"), on_missing_image="skip"
        )
        coco = restrict_coco_classes(coco, classes, keep_empty_images=False)
        offset = max((im["id"] for im in merged["images"]), default=0)
        for im in coco["images"]:
            merged["images"].append(
                dict(im, id=im["id"] + offset, file_name=f"{split}/{im['file_name']}")
            )
        for a in coco["annotations"]:
            merged["annotations"].append(
                dict(a, id=len(merged["annotations"]) + 1, image_id=a["image_id"] + offset)
            )
        merged["categories"] = coco["categories"]
    merged["images"] = sorted(merged["images"], key=lambda im: im["id"])
    merged["info"], merged["licenses"] = {"description": f"coco128 {list(classes)}"}, []
    json_file = _cache_json(name)
    write_coco_json(merged, json_file)
    return register_coco(name, json_file, os.path.join(root, "images"))


def register_dawn_fog(name: str, root: str, classes: Sequence[str] = SHARED_CLASSES) -> str:
    """DAWN fog (VOC xml in `annotations/`, jpg in `images/`, paired by file name) converted to
    `<datasets_root>/mic_uda/<name>.json` and registered; images without boxes are kept."""
    if name in DatasetCatalog.list():
        return name
    coco, _ = voc_to_coco(
        os.path.join(root, "annotations"), os.path.join(root, "images"), class_names=list(classes)
    )
    json_file = _cache_json(name)
    write_coco_json(coco, json_file)
    return register_coco(name, json_file, os.path.join(root, "images"))
