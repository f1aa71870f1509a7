"""Registering datasets from a config's `datasets` node into Detectron2's catalog."""

import json
import logging
import os

from detectron2.config import instantiate
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.datasets import register_coco_instances, register_pascal_voc

__all__ = [
    "register_coco",
    "register_datasets",
    "datasets_root",
    "shared_data_root",
    "num_classes_of",
]

logger = logging.getLogger(__name__)


def datasets_root() -> str:
    """Where datasets live: `$LABELEFF_DATASETS`, else `<repo>/datasets`."""
    default = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "datasets")
    return os.environ.get("LABELEFF_DATASETS", default)


def shared_data_root() -> str:
    """The small real datasets beside the checkout: `$LABELEFF_SHARED_DATA`, else
    `<repo>/../shared/data` (independent of the working directory)."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    default = os.path.join(os.path.dirname(repo), "shared", "data")
    return os.environ.get("LABELEFF_SHARED_DATA", default)


def register_voc(name: str, dirname: str, split: str, year: int) -> str:
    """Register a Pascal VOC split in Detectron2's own VOC format (`dirname` holds Annotations/,
    JPEGImages/, ImageSets/; evaluated by PascalVOCDetectionEvaluator), idempotent; returns
    `name`. A VOC folder used with COCO evaluation goes through `register_voc_as_coco`."""
    if not os.path.isdir(dirname):
        raise FileNotFoundError(f"dataset '{name}': VOC folder not found: {dirname}")
    if name not in DatasetCatalog.list():
        register_pascal_voc(name, dirname, split, year)
    return name


def register_coco(
    name: str,
    json_file: str,
    image_root: str,
    metadata: dict = None,
    same_classes_as: str = None,
) -> str:
    """Register a COCO-format detection dataset under `name` (idempotent) and return `name`.

    `same_classes_as`: a registered dataset whose class list this json must have (names, in
    category-id order), e.g. a target-domain test set against the source it was trained on.
    Raises FileNotFoundError naming the missing json or image folder, ValueError naming both
    class lists. A name already registered with other files is re-registered with a warning
    (the latest config wins).
    """
    if not os.path.isfile(json_file):
        raise FileNotFoundError(f"dataset '{name}': annotation file not found: {json_file}")
    if not os.path.isdir(image_root):
        raise FileNotFoundError(f"dataset '{name}': image folder not found: {image_root}")
    if same_classes_as is not None:
        _check_same_classes(name, json_file, same_classes_as)
    if name in DatasetCatalog.list():
        meta = MetadataCatalog.get(name)
        same = os.path.abspath(getattr(meta, "json_file", "")) == os.path.abspath(
            json_file
        ) and os.path.abspath(getattr(meta, "image_root", "")) == os.path.abspath(image_root)
        if same:
            return name
        # A later config in the same process points the name elsewhere: the latest wins, loudly.
        logger.warning(
            f"dataset '{name}' was registered with {getattr(meta, 'json_file', '?')}; "
            f"re-registering it with {json_file}"
        )
        DatasetCatalog.remove(name)
        MetadataCatalog.remove(name)
    register_coco_instances(name, dict(metadata or {}), json_file, image_root)
    return name


def _registered_classes(name: str, key: str):
    """The `key` class list of registered dataset `name`, loading it first if its metadata has
    none yet (Detectron2's COCO loader sets `thing_classes` when it loads); None if it has none."""
    classes = MetadataCatalog.get(name).get(key, None)
    if classes is None:
        DatasetCatalog.get(name)
        classes = MetadataCatalog.get(name).get(key, None)
    return classes


def _check_same_classes(name: str, json_file: str, other: str) -> None:
    with open(json_file) as f:
        cats = sorted(json.load(f).get("categories", []), key=lambda c: c["id"])
    mine = [c["name"] for c in cats]
    if other not in DatasetCatalog.list():
        raise KeyError(f"dataset '{name}': same_classes_as='{other}' is not registered")
    theirs = _registered_classes(other, "thing_classes")
    if theirs is not None and mine != list(theirs):
        raise ValueError(
            f"dataset '{name}' ({json_file}) has the classes {mine} but '{other}' has "
            f"{list(theirs)}: the same names in the same category-id order are needed"
        )


def register_datasets(cfg) -> list:
    """Instantiate every node of `cfg.datasets` (each a LazyCall of a register function that
    returns the registered name). Returns the names. A config without `datasets` registers none."""
    if "datasets" not in cfg or cfg.datasets is None:
        return []
    names = []
    for key in list(cfg.datasets.keys()):
        name = instantiate(cfg.datasets[key])
        names.append(name)
    logger.info(f"Registered datasets: {names}")
    return names


def num_classes_of(name: str, key: str = "thing_classes") -> int:
    """The number of classes of registered dataset `name` (its `key`: `thing_classes` for
    detection, `stuff_classes` for semantic segmentation; the dataset is
    loaded first if its metadata has none yet, as Detectron2's COCO loader sets them then). A
    config's `num_classes=L(num_classes_of)(name=...)` follows the data; an explicit number still
    works and is checked against the data before training (labeleff.engine.class_check)."""
    if name not in DatasetCatalog.list():
        raise KeyError(f"dataset '{name}' is not registered (num_classes_of)")
    classes = _registered_classes(name, key)
    if not classes:
        raise ValueError(f"dataset '{name}' has no class list ({key}): set num_classes explicitly")
    return len(classes)
