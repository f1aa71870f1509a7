"""VOC and YOLO annotations converted to COCO json once, cached under what the conversion depends
on: the folders, the class names, the converter options and every source file's name, size and
modification time. Fix a class list, add an image or edit one xml, and the next run converts
again instead of reusing a stale json."""

import hashlib
import json
import logging
import os
from typing import Callable, Iterable, Optional, Sequence, Union

from .catalog import datasets_root, register_coco
from .coco_io import load_class_names, write_coco_json
from .convert_voc import voc_to_coco
from .convert_yolo import yolo_split_dirs, yolo_to_coco

__all__ = [
    "source_fingerprint",
    "stat_entries",
    "cached_coco_json",
    "voc_as_coco_json",
    "yolo_as_coco_json",
    "register_voc_dirs",
    "register_voc_as_coco",
    "register_yolo_as_coco",
]

logger = logging.getLogger(__name__)


def stat_entries(folder: str, names: Optional[Iterable[str]] = None) -> list:
    """[(name, size, mtime_ns)] of the files `names` in `folder` (all its files if None; a listed
    file that does not exist appears as (name, -1, -1))."""
    if names is None:
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    out = []
    for n in names:
        try:
            st = os.stat(os.path.join(folder, n))
            out.append((n, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((n, -1, -1))
    return out


def source_fingerprint(**parts) -> str:
    """A 12-hex-digit key of JSON-serialisable `parts` (paths, names, options, file stats)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha1(blob).hexdigest()[:12]


def cached_coco_json(label: str, key: str, convert: Callable[[], dict]) -> str:
    """`<datasets_root>/converted/<label>_<key>.json`, written by `convert()` (a COCO dict) the
    first time (atomically) and reused while the key is the same. Returns the path."""
    json_file = os.path.join(datasets_root(), "converted", f"{label}_{key}.json")
    if not os.path.isfile(json_file):
        write_coco_json(convert(), json_file)
        logger.info(f"converted {label} -> {json_file}")
    return json_file


def _class_list(class_names) -> Optional[list]:
    return None if class_names is None else load_class_names(class_names)


def voc_as_coco_json(
    annotation_dir: str,
    image_root: str,
    class_names: Union[str, Sequence[str], None],
    image_set: Optional[str] = None,
    label: Optional[str] = None,
) -> str:
    """VOC xml files of `annotation_dir` (the ids of an `ImageSets/Main/<split>.txt` path, or all)
    with images in `image_root` as a cached COCO json (see the module docstring); returns its
    path. `label` names the file (default: the VOC folder's name and the image set)."""
    names = _class_list(class_names)
    ids_text = None
    if image_set is not None:
        with open(image_set) as f:
            ids_text = f.read()
        xmls = [f"{i}.xml" for i in ids_text.split()]
    else:
        xmls = sorted(n for n in os.listdir(annotation_dir) if n.endswith(".xml"))
    key = source_fingerprint(
        kind="voc",
        annotation_dir=os.path.abspath(annotation_dir),
        image_root=os.path.abspath(image_root),
        class_names=names,
        image_set=ids_text,
        xmls=stat_entries(annotation_dir, xmls),
        images=sorted(os.listdir(image_root)) if os.path.isdir(image_root) else None,
    )
    if label is None:
        root = os.path.basename(os.path.dirname(os.path.abspath(annotation_dir)))
        split = os.path.splitext(os.path.basename(image_set))[0] if image_set else "all"
        label = f"{root}_{split}"
    return cached_coco_json(
        label,
        key,
        lambda: voc_to_coco(annotation_dir, image_root, class_names=names, image_set=image_set)[0],
    )


def yolo_as_coco_json(
    image_dir: str,
    label_dir: str,
    class_names: Union[str, Sequence[str]],
    on_missing_image: str = "skip",
    label: Optional[str] = None,
) -> str:
    """A YOLO split (images + `<stem>.txt` label files) as a cached COCO json; returns its path.
    `on_missing_image`: what to do with a label file without an image ("skip" / "error")."""
    names = _class_list(class_names)
    key = source_fingerprint(
        kind="yolo",
        image_dir=os.path.abspath(image_dir),
        label_dir=os.path.abspath(label_dir),
        class_names=names,
        on_missing_image=on_missing_image,
        labels=stat_entries(label_dir),
        images=stat_entries(image_dir),
    )
    if label is None:
        label = "_".join(os.path.abspath(image_dir).split(os.sep)[-3:])
    return cached_coco_json(
        label,
        key,
        lambda: yolo_to_coco(image_dir, label_dir, names, on_missing_image=on_missing_image)[0],
    )


def register_voc_dirs(
    name: str,
    annotation_dir: str,
    image_root: str,
    class_names: Union[str, Sequence[str], None],
    image_set: Optional[str] = None,
) -> str:
    """VOC xml files (the ids of an `ImageSets/Main/<split>.txt` path `image_set`, or all) with
    their image folder, converted (cached) and registered as `name`; returns `name`. Pass
    `class_names` so that splits share category ids."""
    json_file = voc_as_coco_json(annotation_dir, image_root, class_names, image_set)
    return register_coco(name, json_file, image_root)


def register_voc_as_coco(
    name: str,
    voc_root: str,
    image_set: Optional[str],
    class_names: Union[str, Sequence[str], None],
) -> str:
    """A VOC tree (`Annotations/`, `JPEGImages/`, `ImageSets/Main/<image_set>.txt`; image_set
    None: every xml) converted (cached) and registered as `name`; returns `name`."""
    split = None
    if image_set is not None:
        split = os.path.join(voc_root, "ImageSets", "Main", f"{image_set}.txt")
    images = os.path.join(voc_root, "JPEGImages")
    return register_voc_dirs(
        name, os.path.join(voc_root, "Annotations"), images, class_names, split
    )


def register_yolo_as_coco(
    name: str,
    root: str,
    split: str,
    class_names: Union[str, Sequence[str]],
    on_missing_image: str = "skip",
) -> str:
    """A YOLO split (`root/images/<split>`, `root/labels/<split>`) converted (cached) and
    registered as `name`; returns `name`. Label files without an image are skipped by default
    (coco128 has two)."""
    image_dir, label_dir = yolo_split_dirs(root, split)
    json_file = yolo_as_coco_json(image_dir, label_dir, class_names, on_missing_image)
    return register_coco(name, json_file, image_dir)
