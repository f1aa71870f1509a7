"""Dataset registration used by the RefineDet configs (each returns the registered name, so it can
sit where a dataset name is expected)."""

import os

from detectron2.data import DatasetCatalog
from detectron2.data.datasets import register_pascal_voc


def register_voc(name: str, dirname: str, split: str, year: int) -> str:
    """Register a Pascal VOC split (`dirname` holds Annotations/, JPEGImages/, ImageSets/) with
    Detectron2's `register_pascal_voc` (idempotent). Returns `name`."""
    if not os.path.isdir(dirname):
        raise FileNotFoundError(f"dataset '{name}': VOC folder not found: {dirname}")
    if name not in DatasetCatalog.list():
        register_pascal_voc(name, dirname, split, year)
    return name
