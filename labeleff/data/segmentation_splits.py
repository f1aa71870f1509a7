"""Labeled / unlabeled splits of a segmentation training set: a text file of labeled image stems."""

import hashlib
import math
import os
from fractions import Fraction
from typing import List, Sequence, Union

import numpy as np

from labeleff.utils import atomic_write

from .catalog import datasets_root

__all__ = [
    "SEG_SPLIT_FRACTIONS",
    "num_labeled",
    "choose_labeled",
    "write_split_file",
    "read_split_file",
    "split_file_name",
    "split_file_for",
    "list_stems",
    "make_split_files",
]

# the partition protocols PS-MT reports (VOC aug 662 / 1323 / 2646 / 5291 of 10582; Cityscapes
# 372 / 744 / 1488 of 2975): ceil(fraction * N) reproduces every count
SEG_SPLIT_FRACTIONS = ("1/16", "1/8", "1/4", "1/2")


def num_labeled(num_images: int, fraction: Union[str, float]) -> int:
    """ceil(fraction * num_images), at least 1 (fraction like "1/8" is read exactly)."""
    frac = Fraction(fraction) if isinstance(fraction, str) else Fraction(str(fraction))
    if not 0 < frac <= 1:
        raise ValueError(f"split fraction must be in (0, 1], got {fraction}")
    if num_images < 1:
        raise ValueError("cannot split a dataset without images")
    return max(1, math.ceil(frac * num_images))


def choose_labeled(stems: Sequence[str], fraction: Union[str, float], seed: int) -> List[str]:
    """The labeled subset: `num_labeled` stems drawn without replacement with
    `np.random.default_rng(seed)` from the sorted stems; returned sorted. Deterministic."""
    pool = sorted(set(stems))
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(pool), size=num_labeled(len(pool), fraction), replace=False)
    return sorted(pool[i] for i in picked)


def split_file_name(dataset: str, fraction: Union[str, float], seed: int) -> str:
    """e.g. ("camvid_train", "1/8", 0) -> "camvid_train_1-8_seed0.txt"."""
    return f"{dataset}_{str(fraction).replace('/', '-')}_seed{seed}.txt"


def split_file_for(image_root: str, fraction: Union[str, float], seed: int) -> str:
    """Where the split of the images in `image_root` at `fraction` / `seed` is kept:
    `<datasets_root>/splits/<folder>_<sha1 of its absolute path>_<fraction>_seed<k>.txt`, so that
    two folders of the same name never share a split."""
    folder = os.path.abspath(image_root)
    key = hashlib.sha1(folder.encode()).hexdigest()[:10]
    label = f"{os.path.basename(folder.rstrip(os.sep)) or 'root'}_{key}"
    return os.path.join(datasets_root(), "splits", split_file_name(label, fraction, seed))


def write_split_file(path: str, labeled: Sequence[str]) -> str:
    # atomic: parallel workers never read half a file
    return atomic_write(path, lambda f: f.write("\n".join(labeled) + "\n"), "w")


def read_split_file(path: str) -> List[str]:
    with open(path) as f:
        stems = [line.strip() for line in f if line.strip()]
    if not stems:
        raise ValueError(f"split file {path} lists no labeled image")
    return stems


def list_stems(image_dir: str, suffix: str = ".jpg", recursive: bool = False) -> List[str]:
    """Image names in `image_dir` ending with `suffix`, with the suffix removed (Cityscapes:
    suffix "_leftImg8bit.png", recursive over the city folders)."""
    if not os.path.isdir(image_dir):
        raise FileNotFoundError(f"image folder not found: {image_dir}")
    stems = []
    for folder, _, files in os.walk(image_dir):
        stems += [f[: -len(suffix)] for f in files if f.endswith(suffix)]
        if not recursive:
            break
    if not stems:
        raise ValueError(f"no '*{suffix}' image in {image_dir}")
    return sorted(stems)


def make_split_files(
    stems: Sequence[str], dataset: str, fractions: Sequence[str], seed: int, out_dir: str
) -> List[str]:
    """Write one labeled-stem file per fraction (`split_file_name`); returns their paths."""
    return [
        write_split_file(
            os.path.join(out_dir, split_file_name(dataset, f, seed)), choose_labeled(stems, f, seed)
        )
        for f in fractions
    ]
