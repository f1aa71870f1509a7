"""Registering the YOLOX line's datasets (YOLO txt such as coco128, Pascal VOC such as FloW-Img)
as COCO json, converted once into `<datasets_root>/yolox/<name>.json` with the foundation tools."""

import os
from typing import Optional, Sequence, Union

from labeleff.data import datasets_root, register_coco
from labeleff.data.coco_io import write_coco_json
from labeleff.data.convert_voc import voc_to_coco
from labeleff.data.convert_yolo import yolo_split_dirs, yolo_to_coco


def _json_path(name: str) -> str:
    return os.path.join(datasets_root(), "yolox", f"{name}.json")


def register_yolo_as_coco(name: str, root: str, split: str, class_names) -> str:
    """YOLO layout `root/images/<split>`, `root/labels/<split>` (label files without an image are
    skipped) converted and registered as `name`. Returns `name`."""
    image_dir, label_dir = yolo_split_dirs(root, split)
    json_file = _json_path(name)
    if not os.path.isfile(json_file):
        coco, _ = yolo_to_coco(image_dir, label_dir, class_names, on_missing_image="skip")
        write_coco_json(coco, json_file)
    return register_coco(name, json_file, image_dir)


def register_voc_as_coco(
    name: str,
    annotation_dir: str,
    image_root: str,
    class_names: Union[str, Sequence[str]],
    image_set: Optional[str] = None,
) -> str:
    """VOC xml files (optionally only the ids of an `ImageSets/Main/<split>.txt`) converted and
    registered as `name`. Returns `name`."""
    json_file = _json_path(name)
    if not os.path.isfile(json_file):
        coco, _ = voc_to_coco(annotation_dir, image_root, class_names, image_set=image_set)
        write_coco_json(coco, json_file)
    return register_coco(name, json_file, image_root)
