"""Domain-adaptation detection datasets: Cityscapes / Foggy Cityscapes (8 instance classes, boxes
from the gtFine polygons) and the small real pair coco128 (clear) -> DAWN fog on 6 shared classes.
"""

import glob
import json
import os
from typing import List, Optional, Sequence

from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import BoxMode

from labeleff.data import datasets_root, register_coco
from labeleff.data.coco_io import DatasetFormatError, write_coco_json
from labeleff.data.convert_voc import voc_to_coco
from labeleff.data.convert_yolo import yolo_split_dirs, yolo_to_coco

__all__ = [
    "CITYSCAPES_CLASSES",
    "SHARED_CLASSES",
    "load_cityscapes_detection",
    "register_cityscapes_detection",
    "restrict_coco_classes",
    "register_coco128_shared",
    "register_dawn_fog",
]


# the 8 instance classes of the Cityscapes -> Foggy Cityscapes detection benchmark
CITYSCAPES_CLASSES = ["person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle"]
# classes shared by coco128 and DAWN (COCO names, COCO order)
SHARED_CLASSES = ["person", "bicycle", "car", "motorcycle", "bus", "truck"]


def load_cityscapes_detection(
    image_dir: str, gt_dir: str, foggy_beta: Optional[float] = None
) -> List[dict]:
    """Detectron2 dataset dicts of one Cityscapes split, boxes from `*_gtFine_polygons.json`.

    Args:
        image_dir: `leftImg8bit/<split>` (or `leftImg8bit_foggy/<split>` with `foggy_beta`), one
            folder per city.
        gt_dir: `gtFine/<split>` (Foggy Cityscapes shares the Cityscapes annotations).
        foggy_beta: None for clear images `<stem>_leftImg8bit.png`; else the fog density of
            `<stem>_leftImg8bit_foggy_beta_<beta>.png` (MIC/DA benchmarks: 0.02).
    Returns:
        list of dicts with file_name, image_id (the stem), height, width and annotations (XYXY_ABS
        boxes = polygon bounds clipped to the image, category_id in CITYSCAPES_CLASSES order).
        Group labels ("cargroup", ...) and other classes are skipped; a missing image is an error.
    """
    suffix = "leftImg8bit.png" if foggy_beta is None else f"leftImg8bit_foggy_beta_{foggy_beta}.png"
    polygon_files = sorted(glob.glob(os.path.join(gt_dir, "*", "*_gtFine_polygons.json")))
    if not polygon_files:
        raise FileNotFoundError(f"no */*_gtFine_polygons.json under {gt_dir}")
    category = {name: i for i, name in enumerate(CITYSCAPES_CLASSES)}
    dicts = []
    for path in polygon_files:
        city = os.path.basename(os.path.dirname(path))
        stem = os.path.basename(path)[: -len("gtFine_polygons.json")]
        file_name = os.path.join(image_dir, city, stem + suffix)
        if not os.path.isfile(file_name):
            raise FileNotFoundError(f"image {file_name} for annotation {path} does not exist")
        with open(path) as f:
            ann = json.load(f)
        height, width = ann["imgHeight"], ann["imgWidth"]
        annotations = []
        for obj in ann["objects"]:
            if obj["label"] not in category or len(obj["polygon"]) < 3:
                continue
            xs = [p[0] for p in obj["polygon"]]
            ys = [p[1] for p in obj["polygon"]]
            x0, y0 = max(min(xs), 0), max(min(ys), 0)
            x1, y1 = min(max(xs), width), min(max(ys), height)
            if x1 <= x0 or y1 <= y0:
                continue
            annotations.append(
                {
                    "bbox": [float(x0), float(y0), float(x1), float(y1)],
                    "bbox_mode": BoxMode.XYXY_ABS,
                    "category_id": category[obj["label"]],
                    "iscrowd": 0,
                }
            )
        dicts.append(
            {
                "file_name": file_name,
                "image_id": stem.rstrip("_"),
                "height": height,
                "width": width,
                "annotations": annotations,
            }
        )
    return dicts


def register_cityscapes_detection(
    name: str, image_dir: str, gt_dir: str, foggy_beta: Optional[float] = None
) -> str:
    """Register a (Foggy) Cityscapes detection split as `name` (idempotent); returns `name`."""
    if name not in DatasetCatalog.list():
        DatasetCatalog.register(
            name, lambda: load_cityscapes_detection(image_dir, gt_dir, foggy_beta)
        )
        MetadataCatalog.get(name).set(
            thing_classes=list(CITYSCAPES_CLASSES),
            evaluator_type="coco",
            image_dir=image_dir,
            gt_dir=gt_dir,
        )
    return name


def restrict_coco_classes(coco: dict, keep: Sequence[str], keep_empty_images: bool) -> dict:
    """A COCO dict with only the categories named in `keep` (renumbered 1..K in that order)."""
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


def _cache_json(name: str) -> str:
    return os.path.join(datasets_root(), "mic_uda", f"{name}.json")


def register_coco128_shared(
    name: str,
    root: str,
    splits: Sequence[str] = ("train2017", "val2017"),
    classes: Sequence[str] = SHARED_CLASSES,
) -> str:
    """coco128 (YOLO txt) restricted to `classes`, images without those classes dropped, splits
    merged; converted to `<datasets_root>/mic_uda/<name>.json` and registered. Returns `name`."""
    if name in DatasetCatalog.list():
        return name
    merged = {"images": [], "annotations": [], "categories": None}
    for split in splits:
        image_dir, label_dir = yolo_split_dirs(root, split)
        # coco128 ships a few label files without their image: skip them (logged)
        coco, _ = yolo_to_coco(
            image_dir, label_dir, os.path.join(root, "config.yaml"), on_missing_image="skip"
        )
        coco = restrict_coco_classes(coco, classes, keep_empty_images=False)
        offset = max((im["id"] for im in merged["images"]), default=0)
        for im in coco["images"]:
            merged["images"].append(
                dict(im, id=im["id"] + offset, file_name=f"{split}/{im['file_name']}")
            )
        for a in coco["annotations"]:
            merged["annotations"].append(
                dict(a, id=len(merged["annotations"]) + 1, image_id=a["image_id"] + offset)
            )
        merged["categories"] = coco["categories"]
    merged["images"] = sorted(merged["images"], key=lambda im: im["id"])
    merged["info"], merged["licenses"] = {"description": f"coco128 {list(classes)}"}, []
    json_file = _cache_json(name)
    write_coco_json(merged, json_file)
    return register_coco(name, json_file, os.path.join(root, "images"))


def register_dawn_fog(name: str, root: str, classes: Sequence[str] = SHARED_CLASSES) -> str:
    """DAWN fog (VOC xml in `annotations/`, jpg in `images/`, paired by file name) converted to
    `<datasets_root>/mic_uda/<name>.json` and registered; images without boxes are kept."""
    if name in DatasetCatalog.list():
        return name
    coco, _ = voc_to_coco(
        os.path.join(root, "annotations"), os.path.join(root, "images"), class_names=list(classes)
    )
    json_file = _cache_json(name)
    write_coco_json(coco, json_file)
    return register_coco(name, json_file, os.path.join(root, "images"))
