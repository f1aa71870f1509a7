"""A detection dataset restricted to a list of class names (matched by name, renumbered in that
order): the classes two domains share (MIC's source and target), whatever each one calls its
category ids. Input: a COCO json or a VOC folder; the restricted json is cached under what it
depends on (the source file's path, size and mtime, the names, the options)."""

import os
from typing import Optional, Sequence

from .catalog import register_coco
from .coco_io import DatasetFormatError, load_coco_json
from .converted import cached_coco_json, source_fingerprint, stat_entries, voc_as_coco_json

__all__ = ["restrict_coco_classes", "register_detection_classes"]


def restrict_coco_classes(coco: dict, keep: Sequence[str], keep_empty_images: bool) -> dict:
    """A COCO dict with only the categories named in `keep` (renumbered 1..K in that order);
    images left without a box are kept only if `keep_empty_images`. A name of `keep` the data
    does not have is an error listing the data's names."""
    names = {c["id"]: c["name"] for c in coco["categories"]}
    missing = [n for n in keep if n not in names.values()]
    if missing:
        raise DatasetFormatError(f"classes {missing} are not in {sorted(names.values())}")
    new_id = {cid: list(keep).index(n) + 1 for cid, n in names.items() if n in keep}
    annotations = [
        dict(a, category_id=new_id[a["category_id"]])
        for a in coco["annotations"]
        if a["category_id"] in new_id
    ]
    with_boxes = {a["image_id"] for a in annotations}
    images = [im for im in coco["images"] if keep_empty_images or im["id"] in with_boxes]
    categories = [{"id": i + 1, "name": n, "supercategory": ""} for i, n in enumerate(keep)]
    return dict(coco, images=images, annotations=annotations, categories=categories)


def register_detection_classes(
    name: str,
    classes: Sequence[str],
    coco_json: Optional[str] = None,
    image_root: Optional[str] = None,
    voc_root: Optional[str] = None,
    image_set: Optional[str] = None,
    keep_empty_images: bool = True,
) -> str:
    """Register `coco_json` + `image_root`, or a VOC folder `voc_root` (`Annotations/`,
    `JPEGImages/`, optional `ImageSets/Main/<image_set>.txt`), restricted to `classes` (names,
    in this order). Returns `name`. Errors name the missing file / folder or the missing class."""
    if not classes:
        raise ValueError(f"dataset '{name}': give the class names to keep")
    classes = [str(c) for c in classes]
    if (coco_json is None) == (voc_root is None):
        raise ValueError(f"dataset '{name}': give either a COCO json + image folder or a VOC root")
    if voc_root is not None:
        if not os.path.isdir(voc_root):
            raise FileNotFoundError(f"dataset '{name}': VOC folder not found: {voc_root}")
        split = None
        if image_set is not None:
            split = os.path.join(voc_root, "ImageSets", "Main", f"{image_set}.txt")
            if not os.path.isfile(split):
                raise FileNotFoundError(f"dataset '{name}': image set not found: {split}")
        image_root = os.path.join(voc_root, "JPEGImages")
        coco_json = voc_as_coco_json(os.path.join(voc_root, "Annotations"), image_root, None, split)
    for path, what in ((coco_json, "annotation file"), (image_root, "image folder")):
        if path is None or not os.path.exists(path):
            raise FileNotFoundError(f"dataset '{name}': {what} not found: {path}")
    folder, file = os.path.split(os.path.abspath(coco_json))
    key = source_fingerprint(
        kind="classes", json=stat_entries(folder, [file]), path=folder,
        classes=classes, keep_empty_images=keep_empty_images,
    )  # fmt: skip

    def convert():
        try:
            return restrict_coco_classes(load_coco_json(coco_json), classes, keep_empty_images)
        except DatasetFormatError as e:
            raise DatasetFormatError(f"dataset '{name}' ({coco_json}): {e}") from None

    label = os.path.splitext(file)[0] + "_classes"
    return register_coco(name, cached_coco_json(label, key, convert), image_root)
