"""Partial-label splits of a COCO json: labeled / unlabeled file pairs per (percent, fold seed)."""

import logging
import math
import os
from fractions import Fraction
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from .coco_io import load_coco_json, write_coco_json

__all__ = [
    "COCO_RECIPE_PERCENTS",
    "COCO_RECIPE_FOLDS",
    "num_labeled_images",
    "split_coco",
    "split_file_names",
    "write_split",
    "write_recipe_splits",
]

logger = logging.getLogger(__name__)

# STAC (Sohn et al. 2020) and Soft Teacher (Xu et al. 2021): 1 / 5 / 10 % of COCO train2017
# labeled, 5 folds each, fold k sampled with seed k.
COCO_RECIPE_PERCENTS = (1, 5, 10)
COCO_RECIPE_FOLDS = (1, 2, 3, 4, 5)


def num_labeled_images(num_images: int, percent: float) -> int:
    """
    Rounding rule: floor(percent / 100 * num_images), at least 1. `percent` is read through its
    decimal text (Fraction(str(percent))), so 0.29 % of 10000 is 29, not 28 as float math gives;
    for the recipe's 1 / 5 / 10 % of COCO train2017 this equals STAC / Soft Teacher's
    `int(percent / 100.0 * N)`.
    """
    if not 0 < percent <= 100:
        raise ValueError(f"percent must be in (0, 100], got {percent}")
    if num_images < 1:
        raise ValueError("cannot split a dataset without images")
    return max(1, math.floor(Fraction(str(percent)) * num_images / 100))


def split_coco(
    coco: dict, percent: float, seed: int, keep_unlabeled_annotations: bool = False
) -> Tuple[dict, dict]:
    """
    Sample `num_labeled_images(len(images), percent)` images uniformly without replacement.

    The indices are `np.random.RandomState(seed).choice(N, k, replace=False)` over the images
    in the json's order: the same draw as STAC / Soft Teacher's `prepare_coco_data(seed,
    percent)`, and RandomState's stream is frozen by NumPy, so a seed gives the same split on
    every NumPy version.

    Returns:
        (labeled, unlabeled) COCO dicts: disjoint images whose union is all images, each in the
        input order, with the input's categories / info / licenses. The unlabeled dict has no
        annotations unless `keep_unlabeled_annotations` (to measure pseudo-label quality).
    """
    images = coco["images"]
    k = num_labeled_images(len(images), percent)
    chosen = set(np.random.RandomState(seed).choice(len(images), size=k, replace=False).tolist())
    labeled_images = [img for i, img in enumerate(images) if i in chosen]
    unlabeled_images = [img for i, img in enumerate(images) if i not in chosen]
    labeled_ids = {img["id"] for img in labeled_images}
    labeled_annotations = [a for a in coco["annotations"] if a["image_id"] in labeled_ids]
    unlabeled_annotations = (
        [a for a in coco["annotations"] if a["image_id"] not in labeled_ids]
        if keep_unlabeled_annotations
        else []
    )
    rest = {key: value for key, value in coco.items() if key not in ("images", "annotations")}
    labeled = {**rest, "images": labeled_images, "annotations": labeled_annotations}
    unlabeled = {**rest, "images": unlabeled_images, "annotations": unlabeled_annotations}
    return labeled, unlabeled


def split_file_names(prefix: str, seed: int, percent: float) -> Tuple[str, str]:
    """File names of a split pair; the percent is written with %g (10 -> "10", 2.5 -> "2.5").

    Returns:
        ("{prefix}.{seed}@{percent}.json", "{prefix}.{seed}@{percent}-unlabeled.json")
    """
    tag = f"{prefix}.{seed}@{percent:g}"
    return f"{tag}.json", f"{tag}-unlabeled.json"


def write_split(
    json_file: str,
    output_dir: str,
    percent: float,
    seed: int,
    keep_unlabeled_annotations: bool = False,
    coco: Optional[dict] = None,
) -> Tuple[str, str]:
    """
    Split `json_file` (see `split_coco`) and write the pair into `output_dir`, named after the
    input (`instances_train2017.json` -> `instances_train2017.1@10.json` and
    `instances_train2017.1@10-unlabeled.json`). `coco` skips re-reading an already loaded file.

    Returns:
        (labeled path, unlabeled path)
    """
    if coco is None:
        coco = load_coco_json(json_file)
    prefix = os.path.splitext(os.path.basename(json_file))[0]
    labeled, unlabeled = split_coco(coco, percent, seed, keep_unlabeled_annotations)
    paths = tuple(os.path.join(output_dir, n) for n in split_file_names(prefix, seed, percent))
    for data, path in zip((labeled, unlabeled), paths):
        write_coco_json(data, path)
    logger.info(
        f"{percent:g}% seed {seed}: {len(labeled['images'])} labeled images "
        f"({len(labeled['annotations'])} boxes) -> {paths[0]}; "
        f"{len(unlabeled['images'])} unlabeled -> {paths[1]}"
    )
    return paths


def write_recipe_splits(
    json_file: str,
    output_dir: str,
    percents: Sequence[float] = COCO_RECIPE_PERCENTS,
    folds: Sequence[int] = COCO_RECIPE_FOLDS,
    keep_unlabeled_annotations: bool = False,
) -> Dict[Tuple[float, int], Tuple[str, str]]:
    """
    The COCO semi-supervised recipe: for every percent and fold, `write_split` with seed = fold
    (STAC / Soft Teacher), e.g. `instances_train2017.{fold}@{percent}.json` + `-unlabeled`.

    Returns:
        {(percent, fold): (labeled path, unlabeled path)}
    """
    coco = load_coco_json(json_file)
    written: Dict[Tuple[float, int], Tuple[str, str]] = {}
    for percent in percents:
        for fold in folds:
            written[(percent, fold)] = write_split(
                json_file, output_dir, percent, fold, keep_unlabeled_annotations, coco=coco
            )
    return written
