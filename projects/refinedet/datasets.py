"""Dataset registration used by the RefineDet configs (each returns the registered name, so it can
sit where a dataset name is expected)."""

import os

from detectron2.data import DatasetCatalog
from detectron2.data.datasets import register_pascal_voc

from labeleff.data import register_coco
from labeleff.data.coco_io import write_coco_json
from labeleff.data.convert_yolo import yolo_split_dirs, yolo_to_coco


def register_voc(name: str, dirname: str, split: str, year: int) -> str:
    """Register a Pascal VOC split (`dirname` holds Annotations/, JPEGImages/, ImageSets/) with
    Detectron2's `register_pascal_voc` (idempotent). Returns `name`."""
    if not os.path.isdir(dirname):
        raise FileNotFoundError(f"dataset '{name}': VOC folder not found: {dirname}")
    if name not in DatasetCatalog.list():
        register_pascal_voc(name, dirname, split, year)
    return name


def register_yolo_as_coco(
    name: str,
    yolo_root: str,
    split: str,
    class_names: str,
    json_file: str,
    on_missing_image: str = "skip",
) -> str:
    """Convert a YOLO split (`yolo_root/images/<split>`, `labels/<split>`) to a COCO json once
    (with the foundation's converter) and register it. Returns `name`. coco128 has label files
    without images (train2017: 000000000656, 000000000659): skipped by default."""
    image_dir, label_dir = yolo_split_dirs(yolo_root, split)
    if not os.path.isfile(json_file):
        coco, _ = yolo_to_coco(image_dir, label_dir, class_names, on_missing_image=on_missing_image)
        write_coco_json(coco, json_file)  # atomic
    return register_coco(name, json_file, image_dir)
