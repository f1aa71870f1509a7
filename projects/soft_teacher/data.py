"""Data pieces of the Soft Teacher configs: the two views of an unlabeled image, and labeled /
unlabeled datasets registered from the config (files made once, under `datasets_root()`)."""

import json
import os
from typing import Dict, List, Optional, Sequence, Tuple

from detectron2.data import transforms as T

from labeleff.data import register_coco, voc_as_coco_json
from labeleff.data.demo import make_demo_detection
from labeleff.data.splits import split_file_names, write_split
from labeleff.projects.teacher_student import strong_view_augmentations, weak_view_augmentations

__all__ = [
    "soft_teacher_views",
    "register_partial_split",
    "register_demo_partial",
    "register_voc_partial",
    "detection_source",
    "register_source",
    "register_source_partial",
]


def soft_teacher_views(
    short_edge: Tuple[int, int] = (400, 1200),
    max_size: int = 1333,
    translate: float = 0.1,
    rotate: float = 30.0,
    shear: float = 30.0,
) -> Dict[str, List[T.Augmentation]]:
    """`MultiViewDatasetMapper` views: "weak" (teacher: resize + flip) and "strong" (student:
    resize + flip, colour and geometric ops, erasing), each resized independently. The geometric
    ranges (translate fraction, rotate / shear degrees) default to the paper's."""
    return {
        "weak": weak_view_augmentations(short_edge, max_size),
        "strong": strong_view_augmentations(
            short_edge, max_size, translate=translate, rotate=rotate, shear=shear
        ),
    }


def register_partial_split(
    name: str,
    json_file: str,
    image_root: str,
    percent: float,
    seed: int,
    unlabeled: bool,
    split_dir: str = None,
) -> str:
    """Register the labeled (or, with `unlabeled`, the unlabeled) part of a `percent` % split of
    `json_file` drawn with `seed` (`labeleff.data.splits`), writing the pair once beside the json
    or into `split_dir`. The unlabeled part keeps its annotations as hidden ground truth, used only
    to log pseudo-label precision / recall (the unlabeled loader never trains on them)."""
    split_dir = split_dir or os.path.join(os.path.dirname(json_file), "semi_supervised")
    prefix = os.path.splitext(os.path.basename(json_file))[0]
    paths = [os.path.join(split_dir, n) for n in split_file_names(prefix, seed, percent)]
    if not all(os.path.isfile(p) for p in paths):
        write_split(json_file, split_dir, percent, seed, keep_unlabeled_annotations=True)
    return register_coco(name, paths[1] if unlabeled else paths[0], image_root)


def register_demo_partial(
    name: str, percent: float, seed: int, unlabeled: bool, variant: str = "clear"
) -> str:
    """The project's synthetic demo `train` split of `variant` (made once), `percent` % labeled."""
    json_file, image_root = make_demo_detection("train", variant)
    return register_partial_split(name, json_file, image_root, percent, seed, unlabeled)


def _voc_json(voc_root: str, image_set: str, class_names) -> str:
    """The cached COCO json of the VOC image set `voc_root/ImageSets/Main/<image_set>.txt`."""
    return voc_as_coco_json(
        os.path.join(voc_root, "Annotations"),
        os.path.join(voc_root, "JPEGImages"),
        class_names,
        os.path.join(voc_root, "ImageSets", "Main", f"{image_set}.txt"),
    )


def register_voc_partial(
    name: str,
    voc_root: str,
    image_set: str,
    class_names,
    percent: float,
    seed: int,
    unlabeled: bool,
) -> str:
    """A `percent` % labeled / rest unlabeled split of a VOC image set (converted once)."""
    json_file = _voc_json(voc_root, image_set, class_names)
    image_root = os.path.join(voc_root, "JPEGImages")
    return register_partial_split(name, json_file, image_root, percent, seed, unlabeled)


def detection_source(
    voc_root: Optional[str] = None,
    image_set: str = "train",
    class_names: Optional[Sequence[str]] = None,
    coco_json: Optional[str] = None,
    image_root: Optional[str] = None,
) -> Tuple[str, str]:
    """(COCO json, image folder) of one image set of a user's detection data: a VOC folder
    (`voc_root` with Annotations/, JPEGImages/, ImageSets/Main/<image_set>.txt, converted once
    with `class_names`) or a COCO json with its image folder. With both `coco_json` and
    `class_names`, the json's categories must be those names, in that order."""
    if coco_json:
        if not image_root:
            raise ValueError(f"{coco_json}: a COCO json needs its image folder (image_root)")
        if not os.path.isfile(coco_json):
            raise FileNotFoundError(f"COCO annotation file not found: {coco_json}")
        if class_names:
            with open(coco_json) as f:
                cats = sorted(json.load(f).get("categories", []), key=lambda c: c["id"])
            names = [c["name"] for c in cats]
            if names != list(class_names):
                raise ValueError(
                    f"{coco_json}: categories {names} differ from the class names "
                    f"{list(class_names)} (dataloader.class_names / --classes)"
                )
        return coco_json, image_root
    if not voc_root:
        raise ValueError("a detection source needs voc_root or coco_json (+ image_root)")
    if not class_names:
        raise ValueError(f"{voc_root}: VOC data needs its class names (dataloader.class_names)")
    return _voc_json(voc_root, image_set, class_names), os.path.join(voc_root, "JPEGImages")


def register_source(name: str, **source) -> str:
    """One image set of a user's detection data (see :func:`detection_source`) as `name`."""
    return register_coco(name, *detection_source(**source))


def register_source_partial(name: str, percent: float, seed: int, unlabeled: bool, **source) -> str:
    """A `percent` % labeled / rest unlabeled split (seed `seed`) of one image set of a user's
    detection data (see :func:`detection_source`)."""
    json_file, image_root = detection_source(**source)
    return register_partial_split(name, json_file, image_root, percent, seed, unlabeled)
