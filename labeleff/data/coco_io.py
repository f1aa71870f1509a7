"""Shared by the dataset converters: class names, image sizes, box clipping, COCO json I/O."""

import json
import logging
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

from PIL import Image, UnidentifiedImageError

from ..utils import atomic_write

__all__ = [
    "DatasetFormatError",
    "IMAGE_EXTENSIONS",
    "load_class_names",
    "read_image_size",
    "find_image",
    "CLIP_TOLERANCE_PX",
    "clip_box_xyxy",
    "ConversionReport",
    "build_coco_dict",
    "validate_coco_dict",
    "load_coco_json",
    "file_list",
    "write_coco_json",
]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")

# EXIF orientations 5-8 rotate by 90 degrees: Detectron2's `read_image` applies them, so the
# decoded image has width and height swapped compared with the stored (header) size.
_EXIF_ORIENTATION_TAG = 0x0112
_ROTATED_ORIENTATIONS = (5, 6, 7, 8)

# How many file names a warning lists before it says "and N more".
_MAX_NAMED_FILES = 20


class DatasetFormatError(ValueError):
    """Bad dataset input (missing image, malformed annotation, unknown class); names the file."""


def load_class_names(spec: Union[str, Sequence[str]]) -> List[str]:
    """
    Class names from a list, a text file (one name per line, blank lines skipped), a YAML file
    (YOLO style: key `names`, a list or a dict {0: name, 1: name, ...}), or a comma-separated
    string.

    Returns:
        list[str]: K unique names; class index i (YOLO id i, COCO category id i + 1) is names[i].
    """
    if isinstance(spec, str):
        is_file_like = spec.lower().endswith((".txt", ".names", ".yaml", ".yml"))
        if os.path.isfile(spec):
            names = _read_class_file(spec)
            source = spec
        elif is_file_like:
            raise FileNotFoundError(f"class-name file {spec} does not exist")
        else:
            names = [n.strip() for n in spec.split(",")]
            source = "the comma-separated list"
    else:
        names = [str(n).strip() for n in spec]
        source = "the given list"
    if not names or any(not n for n in names):
        raise DatasetFormatError(f"{source}: class names must be non-empty, got {names}")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DatasetFormatError(f"{source}: duplicate class names {duplicates}")
    return names


def _read_class_file(path: str) -> List[str]:
    if path.lower().endswith((".yaml", ".yml")):
        import yaml

        with open(path) as f:
            cfg = yaml.safe_load(f)
        names = cfg.get("names") if isinstance(cfg, dict) else None
        if isinstance(names, dict):
            if sorted(names) != list(range(len(names))):
                raise DatasetFormatError(
                    f"{path}: `names` keys must be the class ids 0..{len(names) - 1}, "
                    f"got {sorted(names)}"
                )
            return [str(names[i]).strip() for i in range(len(names))]
        if isinstance(names, list):
            return [str(n).strip() for n in names]
        raise DatasetFormatError(f"{path}: expected a `names` list or dict of class names")
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def read_image_size(path: str) -> Tuple[int, int]:
    """
    (width, height) of the image as Detectron2's `read_image` will decode it, i.e. after EXIF
    orientation. Reads only the file header.
    """
    try:
        with Image.open(path) as img:
            width, height = img.size
            orientation = img.getexif().get(_EXIF_ORIENTATION_TAG)
    except (UnidentifiedImageError, OSError) as e:
        raise DatasetFormatError(f"{path}: cannot read the image ({e})") from e
    if orientation in _ROTATED_ORIENTATIONS:
        width, height = height, width
    return width, height


def find_image(image_dir: str, stem: str, hint: Optional[str] = None) -> Optional[str]:
    """
    Path of the image for annotation `stem` in `image_dir`: the `hint` file name (e.g. VOC's
    `<filename>`, whose folder part is ignored) if it exists, else `stem` + a known image extension.
    Returns None when there is none.
    """
    candidates = [os.path.basename(hint)] if hint else []
    candidates += [stem + ext for ext in IMAGE_EXTENSIONS] + [
        stem + ext.upper() for ext in IMAGE_EXTENSIONS
    ]
    for name in candidates:
        path = os.path.join(image_dir, name)
        if os.path.isfile(path):
            return path
    return None


# Clipping that moves no coordinate by more than this many pixels is rounding noise (YOLO's
# 6-decimal text gives up to ~1e-3 px), not a box crossing the border: it is not counted.
CLIP_TOLERANCE_PX = 0.01


def clip_box_xyxy(
    x1: float, y1: float, x2: float, y2: float, width: int, height: int
) -> Tuple[Optional[List[float]], bool]:
    """
    Clip an absolute XYXY box to the image [0, width] x [0, height].

    Returns:
        (bbox, clipped): bbox is COCO [x, y, w, h] in pixels, or None when nothing of the box
        lies inside the image (zero area after clipping); clipped says whether a coordinate
        moved by more than CLIP_TOLERANCE_PX.
    """
    cx1, cy1 = min(max(x1, 0.0), width), min(max(y1, 0.0), height)
    cx2, cy2 = min(max(x2, 0.0), width), min(max(y2, 0.0), height)
    moved = max(abs(a - b) for a, b in zip((cx1, cy1, cx2, cy2), (x1, y1, x2, y2)))
    clipped = moved > CLIP_TOLERANCE_PX
    if cx2 <= cx1 or cy2 <= cy1:
        return None, clipped
    return [cx1, cy1, cx2 - cx1, cy2 - cy1], clipped


@dataclass
class ConversionReport:
    """What a conversion kept, dropped, clipped and skipped; every list entry is a file name."""

    num_images: int = 0
    num_boxes: int = 0
    # reason -> one file name per dropped box (a file appears once per dropped box)
    dropped_boxes: Dict[str, List[str]] = field(default_factory=dict)
    clipped_boxes: List[str] = field(default_factory=list)
    skipped_images: List[str] = field(default_factory=list)
    images_without_boxes: int = 0

    def drop(self, reason: str, file_name: str) -> None:
        self.dropped_boxes.setdefault(reason, []).append(file_name)

    @property
    def num_dropped(self) -> int:
        return sum(len(v) for v in self.dropped_boxes.values())

    def log(self, logger: logging.Logger) -> None:
        """One info line with the totals, one warning per kind of problem, naming the files."""
        logger.info(
            f"Converted {self.num_images} images, {self.num_boxes} boxes; "
            f"{self.images_without_boxes} images had no boxes."
        )
        for reason, files in self.dropped_boxes.items():
            logger.warning(f"Dropped {len(files)} {reason} box(es), in {_name_files(files)}")
        if self.clipped_boxes:
            logger.warning(
                f"Clipped {len(self.clipped_boxes)} box(es) crossing the image border, "
                f"in {_name_files(self.clipped_boxes)}"
            )
        if self.skipped_images:
            logger.warning(
                f"Skipped {len(self.skipped_images)} annotation file(s) without an image: "
                f"{_name_files(self.skipped_images)}"
            )


def file_list(paths: Sequence[str], limit: int, indent: str = "    ") -> str:
    """The first `limit` paths, one per line (each after a newline and `indent`), then
    "... and N more" when there are more."""
    shown = "".join(f"\n{indent}{p}" for p in paths[:limit])
    return shown + (f"\n{indent}... and {len(paths) - limit} more" if len(paths) > limit else "")


def _name_files(files: List[str]) -> str:
    """'a.xml (2), b.xml (1)': each file once with its count, in order of first appearance."""
    counts: Dict[str, int] = {}
    for f in files:
        counts[f] = counts.get(f, 0) + 1
    items = [f"{f} ({n})" if n > 1 else f for f, n in counts.items()]
    if len(items) > _MAX_NAMED_FILES:
        items = items[:_MAX_NAMED_FILES] + [f"and {len(items) - _MAX_NAMED_FILES} more files"]
    return ", ".join(items)


def build_coco_dict(
    images: List[dict], annotations: List[dict], class_names: Sequence[str], description: str
) -> dict:
    """A COCO detection dict; categories get ids 1..K in the order of `class_names`."""
    return {
        "info": {"description": description},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": [
            {"id": i + 1, "name": n, "supercategory": ""} for i, n in enumerate(class_names)
        ],
    }


def validate_coco_dict(coco: dict, source: str = "COCO dict") -> None:
    """Check what splits and Detectron2's `load_coco_json` rely on; errors name `source`."""
    for key in ("images", "annotations", "categories"):
        if not isinstance(coco.get(key), list):
            raise DatasetFormatError(f"{source}: missing or non-list `{key}`")
    image_ids = [img.get("id") for img in coco["images"]]
    if None in image_ids:
        raise DatasetFormatError(f"{source}: an image has no `id`")
    if len(set(image_ids)) != len(image_ids):
        raise DatasetFormatError(f"{source}: image ids are not unique")
    known = set(image_ids)
    category_ids = {c.get("id") for c in coco["categories"]}
    for ann in coco["annotations"]:
        if ann.get("image_id") not in known:
            raise DatasetFormatError(
                f"{source}: annotation {ann.get('id')} refers to unknown image "
                f"{ann.get('image_id')}"
            )
        if ann.get("category_id") not in category_ids:
            raise DatasetFormatError(
                f"{source}: annotation {ann.get('id')} has unknown category "
                f"{ann.get('category_id')}"
            )


def load_coco_json(path: str) -> dict:
    """Read and validate a COCO json file."""
    try:
        with open(path) as f:
            coco = json.load(f)
    except json.JSONDecodeError as e:
        raise DatasetFormatError(f"{path}: malformed json ({e})") from e
    if not isinstance(coco, dict):
        raise DatasetFormatError(f"{path}: expected a json object at the top level")
    validate_coco_dict(coco, source=path)
    return coco


def write_coco_json(coco: dict, path: str) -> None:
    """Write `coco` to `path` atomically (:func:`labeleff.utils.atomic_write`): readers, or other
    ranks writing the same file, never see a partial json. Makes the folder."""
    atomic_write(path, lambda f: json.dump(coco, f), "w")
