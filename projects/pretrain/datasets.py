"""Registering a VOC dataset (e.g. BCCD) as COCO json for pretraining and fine-tuning configs."""

import logging
import os
from typing import Optional, Sequence

from labeleff.data import register_coco, voc_to_coco, write_coco_json

__all__ = [
    "register_voc_dirs",
    "register_voc_as_coco",
    "register_bccd",
    "shared_data_root",
    "BCCD_CLASSES",
]

logger = logging.getLogger(__name__)


def register_voc_dirs(
    name: str,
    annotation_dir: str,
    image_root: str,
    out_json: str,
    class_names: Optional[Sequence[str]] = None,
    image_set: Optional[str] = None,
) -> str:
    """Convert the VOC xml files of `annotation_dir` (those listed in `image_set`, a
    `ImageSets/Main/<split>.txt` path, or all) to `out_json` once with labeleff.data.voc_to_coco,
    register it as `name` with `image_root`; returns `name`. Pass `class_names` so that splits
    share category ids."""
    if not os.path.isfile(out_json):
        coco, report = voc_to_coco(
            annotation_dir, image_root, class_names=class_names, image_set=image_set
        )
        logger.info(f"{name}: {report}")
        write_coco_json(coco, out_json)
    return register_coco(name, out_json, image_root)


def register_voc_as_coco(
    name: str,
    voc_root: str,
    image_set: str,
    out_json: str,
    class_names: Optional[Sequence[str]] = None,
) -> str:
    """A standard VOC tree (`Annotations/`, `JPEGImages/`, `ImageSets/Main/<image_set>.txt`)."""
    return register_voc_dirs(
        name,
        os.path.join(voc_root, "Annotations"),
        os.path.join(voc_root, "JPEGImages"),
        out_json,
        class_names,
        os.path.join(voc_root, "ImageSets", "Main", f"{image_set}.txt"),
    )


BCCD_CLASSES = ("RBC", "WBC", "Platelets")


def shared_data_root() -> str:
    """`$LABELEFF_SHARED_DATA`, else `<repo>/../shared/data`."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.environ.get(
        "LABELEFF_SHARED_DATA", os.path.join(os.path.dirname(repo), "shared", "data")
    )


def register_bccd(name: str, image_set: str = "train") -> str:
    """BCCD (`<shared data>/bccd`, VOC) split `image_set` as COCO json under the datasets root
    (`bccd_coco/<image_set>.json`, fixed class order RBC, WBC, Platelets); returns `name`."""
    from labeleff.data import datasets_root

    out_json = os.path.join(datasets_root(), "bccd_coco", f"{image_set}.json")
    return register_voc_as_coco(
        name,
        os.path.join(shared_data_root(), "bccd"),
        image_set,
        out_json,
        class_names=BCCD_CLASSES,
    )
