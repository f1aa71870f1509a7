"""YOLO txt labels (`class cx cy w h`, normalised) -> a COCO detection json in pixels."""

import logging
import math
import os
from typing import List, Sequence, Tuple, Union

from .coco_io import (
    IMAGE_EXTENSIONS,
    ConversionReport,
    DatasetFormatError,
    build_coco_dict,
    clip_box_xyxy,
    load_class_names,
    read_image_size,
)

__all__ = ["yolo_to_coco", "parse_yolo_labels", "yolo_split_dirs"]

logger = logging.getLogger(__name__)

_MISSING_IMAGE_MODES = ("error", "skip")


def yolo_split_dirs(root: str, split: str) -> Tuple[str, str]:
    """(image_dir, label_dir) of the YOLO layout `root/images/<split>`, `root/labels/<split>`."""
    return os.path.join(root, "images", split), os.path.join(root, "labels", split)


def parse_yolo_labels(path: str, num_classes: int) -> List[Tuple[int, float, float, float, float]]:
    """
    Rows `(class_id, cx, cy, w, h)` of one YOLO label file, values normalised to [0, 1].
    Blank lines are skipped; anything else that is not 5 numbers, a class id outside
    [0, num_classes) or a value outside [0, 1] raises naming the file and the line.
    """
    rows = []
    with open(path) as f:
        for line_no, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            where = f"{path}:{line_no}"
            if len(fields) != 5:
                raise DatasetFormatError(
                    f"{where}: expected 5 fields 'class cx cy w h', got {len(fields)}: "
                    f"{line.strip()!r}"
                )
            try:
                values = [float(v) for v in fields]
            except ValueError:
                raise DatasetFormatError(
                    f"{where}: non-numeric field in {line.strip()!r}"
                ) from None
            class_value, box = values[0], values[1:]
            if not class_value.is_integer():
                raise DatasetFormatError(f"{where}: class id {fields[0]!r} is not an integer")
            class_id = int(class_value)
            if not 0 <= class_id < num_classes:
                raise DatasetFormatError(
                    f"{where}: class id {class_id} out of range [0, {num_classes}) "
                    f"for {num_classes} class names"
                )
            if not all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in box):
                raise DatasetFormatError(
                    f"{where}: cx cy w h must be normalised to [0, 1], got {fields[1:]}"
                )
            rows.append((class_id, *box))
    return rows


def yolo_to_coco(
    image_dir: str,
    label_dir: str,
    class_names: Union[str, Sequence[str]],
    keep_empty_images: bool = True,
    on_missing_image: str = "error",
) -> Tuple[dict, ConversionReport]:
    """
    Convert one YOLO split to a COCO detection dict.

    Args:
        image_dir: folder of the images; every image there becomes a COCO image (sorted by name),
            `file_name` relative to it. An image without a label file has no objects.
        label_dir: folder of `<image stem>.txt` files.
        class_names: list, text file, YOLO YAML (`names`) or comma-separated string; YOLO class i
            is COCO category i + 1.
        keep_empty_images: keep images without boxes (unlabeled negatives).
        on_missing_image: a label file whose image is missing: "error" (default) or "skip".

    Returns:
        (coco dict, ConversionReport). Pixel boxes use the real image size (after EXIF
        orientation): x = (cx - w / 2) * W, y = (cy - h / 2) * H, w * W, h * H, clipped to the
        image (counted); boxes with w or h of 0 are dropped (counted, files named in a warning).
    """
    if on_missing_image not in _MISSING_IMAGE_MODES:
        raise ValueError(
            f"on_missing_image must be one of {_MISSING_IMAGE_MODES}, got {on_missing_image!r}"
        )
    names = load_class_names(class_names)
    for folder in (image_dir, label_dir):
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"folder {folder} does not exist")
    image_files = sorted(f for f in os.listdir(image_dir) if f.lower().endswith(IMAGE_EXTENSIONS))
    image_of_stem = {}
    for f in image_files:
        stem = os.path.splitext(f)[0]
        if stem in image_of_stem:
            raise DatasetFormatError(
                f"{image_dir}: two images share the stem {stem!r}: {image_of_stem[stem]}, {f}"
            )
        image_of_stem[stem] = f

    report = ConversionReport()
    label_files = sorted(f for f in os.listdir(label_dir) if f.endswith(".txt"))
    orphans = [f for f in label_files if os.path.splitext(f)[0] not in image_of_stem]
    if orphans:
        if on_missing_image == "error":
            raise DatasetFormatError(
                f"{os.path.join(label_dir, orphans[0])}: no image for it in {image_dir} "
                f"({len(orphans)} label file(s) without an image: {orphans[:10]})"
            )
        report.skipped_images.extend(orphans)

    images, annotations = [], []
    for image_file in image_files:
        stem = os.path.splitext(image_file)[0]
        width, height = read_image_size(os.path.join(image_dir, image_file))
        label_name = stem + ".txt"
        label_path = os.path.join(label_dir, label_name)
        rows = parse_yolo_labels(label_path, len(names)) if os.path.isfile(label_path) else []

        image_id = len(images) + 1
        image_annotations = []
        for class_id, cx, cy, w, h in rows:
            if w <= 0 or h <= 0:
                report.drop("zero-area", label_name)
                continue
            x1, y1 = (cx - w / 2) * width, (cy - h / 2) * height
            x2, y2 = (cx + w / 2) * width, (cy + h / 2) * height
            bbox, clipped = clip_box_xyxy(x1, y1, x2, y2, width, height)
            if bbox is None:
                report.drop("outside-the-image", label_name)
                continue
            if clipped:
                report.clipped_boxes.append(label_name)
            image_annotations.append(
                {
                    "id": len(annotations) + len(image_annotations) + 1,
                    "image_id": image_id,
                    "category_id": class_id + 1,
                    "bbox": bbox,
                    "area": bbox[2] * bbox[3],
                    "iscrowd": 0,
                }
            )
        if not image_annotations:
            report.images_without_boxes += 1
            if not keep_empty_images:
                continue
        images.append({"id": image_id, "file_name": image_file, "width": width, "height": height})
        annotations.extend(image_annotations)

    report.num_images, report.num_boxes = len(images), len(annotations)
    report.log(logger)
    coco = build_coco_dict(images, annotations, names, f"converted from YOLO {label_dir}")
    return coco, report
