"""BCCD for the pretraining and fine-tuning configs (VOC converted with labeleff.data)."""

import os

from labeleff.data import register_voc_as_coco, shared_data_root

__all__ = ["register_bccd", "shared_data_root", "BCCD_CLASSES"]

BCCD_CLASSES = ("RBC", "WBC", "Platelets")


def register_bccd(name: str, image_set: str = "train") -> str:
    """BCCD (`<shared data>/bccd`, VOC) split `image_set` converted to COCO (cached by
    labeleff.data, fixed class order RBC, WBC, Platelets) and registered; returns `name`."""
    bccd = os.path.join(shared_data_root(), "bccd")
    return register_voc_as_coco(name, bccd, image_set, class_names=BCCD_CLASSES)
