"""Datasets and loaders for pretraining: fg/bg crops (labelled) and grid patches (unlabelled).

Items are dicts of uint8 (3, H, W) BGR tensors (Detectron2's convention); batches are lists of
such dicts from Detectron2's infinite, seeded `TrainingSampler`.
"""

import glob
import os
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from detectron2.data import DatasetCatalog, build_detection_train_loader
from torch.utils.data import Dataset

from .crops import cut_crop, load_crop_labels, plan_crops
from .patch_sampler import sample_patch_cells

__all__ = ["FgBgCropDataset", "PatchPretextDataset", "image_files", "build_pretrain_loader"]

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")


def _read(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise IOError(f"cannot read image {path}")
    return img


def _to_tensor(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


def _dataset_dicts(names: Union[str, Sequence[str]]) -> List[Dict]:
    names = [names] if isinstance(names, str) else list(names)
    return [d for n in names for d in DatasetCatalog.get(n)]


class FgBgCropDataset(Dataset):
    """Crops around GT boxes (label 1 or category + 1) and background crops (label 0).

    Either from registered detection datasets (`dataset_names`, cropped on the fly with
    `plan_crops`, deterministic with `seed`) or from a `label_file` written by
    tools/crop_patches.py.
    Item: {"image": (3, size, size) uint8 BGR, "label": int}; horizontal flip with p=0.5 if `flip`.
    """

    def __init__(
        self,
        dataset_names: Union[str, Sequence[str], None] = None,
        label_file: Optional[str] = None,
        size: int = 224,
        margin: float = 0.2,
        bg_per_image: int = 2,
        bg_max_iou: float = 0.1,
        per_category: bool = False,
        seed: int = 0,
        flip: bool = True,
    ):
        if (dataset_names is None) == (label_file is None):
            raise ValueError("give exactly one of dataset_names / label_file")
        self.size, self.flip = size, flip
        if label_file is not None:
            self.items = [
                dict(file_name=r["file"], box=None, label=r["label"])
                for r in load_crop_labels(label_file)
            ]
        else:
            self.items = plan_crops(
                _dataset_dicts(dataset_names), margin, bg_per_image, bg_max_iou, per_category, seed
            )
        if not self.items:
            raise ValueError("no crops: the dataset has no images")

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        it = self.items[i]
        img = _read(it["file_name"])
        img = (
            cv2.resize(img, (self.size, self.size))
            if it["box"] is None
            else cut_crop(img, it["box"], self.size)
        )
        if self.flip and torch.rand(()) < 0.5:
            img = img[:, ::-1]
        return {"image": _to_tensor(img), "label": int(it["label"])}


def image_files(source: Union[str, Sequence[str]]) -> List[str]:
    """Image paths from a folder (sorted), registered dataset name(s), or a list of paths."""
    if isinstance(source, str) and os.path.isdir(source):
        files = sorted(
            p for p in glob.glob(os.path.join(source, "*")) if p.lower().endswith(IMAGE_EXTS)
        )
    elif isinstance(source, str) or (source and not os.path.isfile(source[0])):
        files = [d["file_name"] for d in _dataset_dicts(source)]
    else:
        files = list(source)
    if not files:
        raise ValueError(f"no images found in {source}")
    return files


class PatchPretextDataset(Dataset):
    """Each image is resized to (rows * patch, cols * patch) and cut into a grid; an item is an
    anchor cell, its 4 neighbours and `num_negatives` cells >= `min_neg_distance` cells away.

    Cells are drawn from a generator seeded by torch's RNG (so `train.seed` fixes them).
    Item: {"anchor": (3, P, P), "positives": (4, 3, P, P), "negatives": (M, 3, P, P)} uint8 BGR,
    plus "cells": (anchor, positives, negatives) grid indices.
    """

    def __init__(
        self,
        source: Union[str, Sequence[str]],
        patch_size: int = 224,
        grid: Tuple[int, int] = (3, 5),
        num_negatives: int = 4,
        min_neg_distance: int = 2,
    ):
        self.files = image_files(source)
        self.patch, self.rows, self.cols = patch_size, int(grid[0]), int(grid[1])
        self.num_negatives, self.min_neg_distance = num_negatives, min_neg_distance
        # fail at construction, not in a worker, if the grid cannot hold far negatives
        sample_patch_cells(self.rows, self.cols, 1, min_neg_distance, np.random.default_rng(0))

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        p = self.patch
        img = cv2.resize(_read(self.files[i]), (self.cols * p, self.rows * p))
        rng = np.random.default_rng(int(torch.randint(0, 2**31 - 1, ())))
        anchor, pos, neg = sample_patch_cells(
            self.rows, self.cols, self.num_negatives, self.min_neg_distance, rng
        )

        def cut(cell):
            r, c = cell
            return _to_tensor(img[r * p : (r + 1) * p, c * p : (c + 1) * p])

        return {
            "anchor": cut(anchor),
            "positives": torch.stack([cut(c) for c in pos]),
            "negatives": torch.stack([cut(c) for c in neg]),
            "cells": (anchor, pos, neg),
        }


def build_pretrain_loader(dataset: Dataset, total_batch_size: int, num_workers: int = 0):
    """Infinite loader of lists of dicts (Detectron2 TrainingSampler, seeded by the trainer)."""
    return build_detection_train_loader(
        dataset,
        mapper=None,
        total_batch_size=total_batch_size,
        aspect_ratio_grouping=False,
        num_workers=num_workers,
    )
