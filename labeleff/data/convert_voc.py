"""Pascal VOC xml annotations -> a COCO detection json, with Detectron2's VOC box convention."""

import logging
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

from .coco_io import (
    ConversionReport,
    DatasetFormatError,
    build_coco_dict,
    clip_box_xyxy,
    find_image,
    load_class_names,
    read_image_size,
)

__all__ = ["voc_to_coco", "parse_voc_xml", "read_image_set", "VocObject", "VocRecord"]

logger = logging.getLogger(__name__)

_MISSING_IMAGE_MODES = ("error", "skip")


@dataclass
class VocObject:
    name: str
    box: Tuple[
        float, float, float, float
    ]  # xmin, ymin, xmax, ymax as written in the file (1-based)
    difficult: bool


@dataclass
class VocRecord:
    xml_path: str
    filename: Optional[str]  # the <filename> element; its folder part (<path>) is often stale
    size: Optional[Tuple[int, int]]  # (width, height) from <size>, None when absent or zero
    objects: List[VocObject]


def read_image_set(path: str) -> List[str]:
    """Image ids of a VOC `ImageSets/Main/<split>.txt` (first column, blank lines skipped)."""
    with open(path) as f:
        ids = [line.split()[0] for line in f if line.strip()]
    if len(set(ids)) != len(ids):
        seen = set()
        duplicates = sorted({i for i in ids if i in seen or seen.add(i)})
        raise DatasetFormatError(f"{path}: duplicate image ids {duplicates[:10]}")
    return ids


def parse_voc_xml(path: str) -> VocRecord:
    """Read one VOC xml file; a structural problem raises naming the file and the object."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise DatasetFormatError(f"{path}: malformed XML ({e})") from e
    if root.tag != "annotation":
        raise DatasetFormatError(f"{path}: root element is <{root.tag}>, expected <annotation>")

    size = None
    size_node = root.find("size")
    if size_node is not None:
        width = _number(size_node, "width", path, "<size>")
        height = _number(size_node, "height", path, "<size>")
        if width > 0 and height > 0:  # some tools write 0 x 0: then the image decides
            size = (int(width), int(height))

    objects = []
    for i, obj in enumerate(root.findall("object")):
        where = f"<object> #{i + 1}"
        label = (obj.findtext("name") or "").strip()
        if not label:
            raise DatasetFormatError(f"{path}: {where} has no <name>")
        bndbox = obj.find("bndbox")
        if bndbox is None:
            raise DatasetFormatError(f"{path}: {where} ({label}) has no <bndbox>")
        box = tuple(_number(bndbox, k, path, where) for k in ("xmin", "ymin", "xmax", "ymax"))
        difficult = obj.findtext("difficult")
        objects.append(VocObject(label, box, difficult is not None and difficult.strip() == "1"))
    filename = (root.findtext("filename") or "").strip() or None
    return VocRecord(xml_path=path, filename=filename, size=size, objects=objects)


def _number(node: ET.Element, key: str, path: str, where: str) -> float:
    text = node.findtext(key)
    try:
        return float(text)
    except (TypeError, ValueError):
        raise DatasetFormatError(
            f"{path}: {where} <{key}> is {text!r}, expected a number"
        ) from None


def voc_to_coco(
    annotation_dir: str,
    image_root: str,
    class_names: Optional[Union[str, Sequence[str]]] = None,
    image_set: Optional[Union[str, Sequence[str]]] = None,
    difficult_as_crowd: bool = False,
    keep_empty_images: bool = True,
    on_missing_image: str = "error",
    check_images: bool = True,
) -> Tuple[dict, ConversionReport]:
    """
    Convert VOC xml files to a COCO detection dict.

    Args:
        annotation_dir: folder of `<id>.xml` files (VOC `Annotations/`).
        image_root: folder of the images; an xml pairs with `<filename>` or `<id>.<ext>` there
            (never with `<path>`, which is often stale). COCO `file_name` is relative to it.
        class_names: list, file or comma-separated string (see `load_class_names`); category id
            i + 1 is class_names[i]. None infers the sorted names found in these xml files and logs
            them; the result then depends on the subset, so pass the names for anything reused.
        image_set: ids to convert (a VOC `ImageSets/Main/<split>.txt` path or a list), in that
            order; None converts every xml in sorted order.
        difficult_as_crowd: VOC `difficult` objects become `iscrowd=1` (ignored by training and
            evaluation) instead of ordinary boxes.
        keep_empty_images: keep images without any (valid) box, as unlabeled negatives.
        on_missing_image: "error" (default) or "skip" (drop that xml with a warning).
        check_images: read each image's size and compare it with the xml `<size>`; False trusts
            the xml and does not need the images.

    Returns:
        (coco dict, ConversionReport). Boxes: VOC pixel indices are 1-based and inclusive;
        like Detectron2's `load_voc_instances` we take (xmin - 1, ymin - 1, xmax, ymax) as the
        absolute XYXY box, then clip it to the image (counted). A box with xmax <= xmin or
        ymax <= ymin in the file is a click, not an object: it is dropped (counted, the files
        named in a warning) before that shift would turn it into a 1x1 box.
    """
    if on_missing_image not in _MISSING_IMAGE_MODES:
        raise ValueError(
            f"on_missing_image must be one of {_MISSING_IMAGE_MODES}, got {on_missing_image!r}"
        )
    xml_paths = _select_xml_files(annotation_dir, image_set)
    records = [parse_voc_xml(p) for p in xml_paths]
    if class_names is None:
        names = sorted({o.name for r in records for o in r.objects})
        logger.warning(
            f"No class names given; inferred {len(names)} from {annotation_dir} in sorted order: "
            f"{names}. Pass them explicitly so that every subset gets the same category ids."
        )
    else:
        names = load_class_names(class_names)
    category_of = {n: i + 1 for i, n in enumerate(names)}

    report = ConversionReport()
    images, annotations = [], []
    for record in records:
        xml_name = os.path.basename(record.xml_path)
        stem = os.path.splitext(xml_name)[0]
        width_height = _image_size(record, stem, image_root, check_images, on_missing_image)
        if width_height is None:
            report.skipped_images.append(xml_name)
            continue
        image_path, (width, height) = width_height

        image_id = len(images) + 1
        image_annotations = []
        for obj in record.objects:
            if obj.name not in category_of:
                raise DatasetFormatError(
                    f"{record.xml_path}: unknown class {obj.name!r}; known classes: {names}"
                )
            xmin, ymin, xmax, ymax = obj.box
            # Tested on the file's corners: after the 1-based shift below, a click
            # (xmin == xmax) would pass as a 1x1 box and be trained on.
            if xmax <= xmin or ymax <= ymin:
                report.drop("zero-area", xml_name)
                continue
            # VOC is 1-based: Detectron2's VOC loader subtracts 1 from xmin/ymin only.
            bbox, clipped = clip_box_xyxy(xmin - 1.0, ymin - 1.0, xmax, ymax, width, height)
            if bbox is None:
                report.drop("outside-the-image", xml_name)
                continue
            if clipped:
                report.clipped_boxes.append(xml_name)
            image_annotations.append(
                {
                    "id": len(annotations) + len(image_annotations) + 1,
                    "image_id": image_id,
                    "category_id": category_of[obj.name],
                    "bbox": bbox,
                    "area": bbox[2] * bbox[3],
                    "iscrowd": int(difficult_as_crowd and obj.difficult),
                }
            )
        if not image_annotations:
            report.images_without_boxes += 1
            if not keep_empty_images:
                continue
        images.append(
            {
                "id": image_id,
                "file_name": os.path.relpath(image_path, image_root).replace(os.sep, "/"),
                "width": width,
                "height": height,
            }
        )
        annotations.extend(image_annotations)

    report.num_images, report.num_boxes = len(images), len(annotations)
    report.log(logger)
    coco = build_coco_dict(images, annotations, names, f"converted from VOC {annotation_dir}")
    return coco, report


def _select_xml_files(annotation_dir: str, image_set) -> List[str]:
    if not os.path.isdir(annotation_dir):
        raise FileNotFoundError(f"annotation folder {annotation_dir} does not exist")
    if image_set is None:
        files = sorted(f for f in os.listdir(annotation_dir) if f.lower().endswith(".xml"))
        if not files:
            raise DatasetFormatError(f"{annotation_dir}: no .xml files")
        return [os.path.join(annotation_dir, f) for f in files]
    source = image_set if isinstance(image_set, str) else "the given image ids"
    ids = read_image_set(image_set) if isinstance(image_set, str) else list(image_set)
    paths = [os.path.join(annotation_dir, i + ".xml") for i in ids]
    missing = [os.path.basename(p) for p in paths if not os.path.isfile(p)]
    if missing:
        raise DatasetFormatError(
            f"{source}: {len(missing)} listed id(s) have no xml in {annotation_dir}: {missing[:10]}"
        )
    return paths


def _image_size(record: VocRecord, stem: str, image_root: str, check_images: bool, on_missing: str):
    """(image path, (width, height)), or None when the image is missing and skipped."""
    image_path = find_image(image_root, stem, hint=record.filename)
    if not check_images:
        if record.size is None:
            raise DatasetFormatError(
                f"{record.xml_path}: no usable <size>; image sizes are needed (check_images=True)"
            )
        fallback = os.path.join(image_root, os.path.basename(record.filename or stem + ".jpg"))
        return image_path or fallback, record.size
    if image_path is None:
        message = (
            f"{record.xml_path}: no image for it in {image_root} (tried <filename> and {stem}.*)"
        )
        if on_missing == "error":
            raise DatasetFormatError(message)
        return None
    size = read_image_size(image_path)
    if record.size is not None and record.size != size:
        raise DatasetFormatError(
            f"{record.xml_path}: <size> says {record.size[0]}x{record.size[1]} but "
            f"{image_path} is {size[0]}x{size[1]} (width x height)"
        )
    return image_path, size
