"""A folder of raw images as a Detectron2 dataset without annotations: the unlabeled set of Soft
Teacher / PS-MT or the target domain of MIC, with nothing to convert."""

import logging
import os
from typing import Dict, List, Sequence

from detectron2.data import DatasetCatalog, MetadataCatalog
from PIL import Image

from .coco_io import file_list

__all__ = ["IMAGE_EXTENSIONS", "list_images", "load_image_folder", "register_image_folder"]

logger = logging.getLogger(__name__)

EXIF_ORIENTATION = 0x0112
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


def list_images(folder: str, extensions: Sequence[str] = IMAGE_EXTENSIONS) -> List[str]:
    """Image paths under `folder` (recursive, extensions case-insensitive, hidden entries
    skipped), sorted so that every process and every run sees the same order.

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: it holds no image with one of `extensions`.
    """
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"image folder not found: {folder}")
    exts = tuple(e.lower() for e in extensions)
    paths = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        paths.extend(
            os.path.join(root, f)
            for f in files
            if not f.startswith(".") and f.lower().endswith(exts)
        )
    if not paths:
        raise ValueError(
            f"image folder {folder} holds no image (looked recursively for {', '.join(exts)})"
        )
    return sorted(paths)


def load_image_folder(folder: str, extensions: Sequence[str] = IMAGE_EXTENSIONS) -> List[Dict]:
    """Detectron2 dataset dicts (file_name, height, width, image_id, annotations=[]) of the images
    under `folder`. Sizes come from the file headers (PIL opens lazily: no pixel is decoded), turned
    as the EXIF orientation turns the decoded image.
    Files whose header cannot be read are left out with one warning naming them (an unlabeled
    image carries no label to lose); if none can be read, ValueError."""
    dicts, bad = [], []
    for i, path in enumerate(list_images(folder, extensions)):
        try:
            with Image.open(path) as im:
                width, height = im.size
                # Detectron2's read_image applies the EXIF orientation: 5-8 turn the image by 90
                if im.getexif().get(EXIF_ORIENTATION, 1) in (5, 6, 7, 8):
                    width, height = height, width
        except (OSError, SyntaxError, ValueError):  # PIL: unidentified / truncated header
            bad.append(path)
            continue
        dicts.append(dict(file_name=path, height=height, width=width, image_id=i, annotations=[]))
    if bad:
        logger.warning(
            f"image folder {folder}: {len(bad)} file(s) are not readable images and are left "
            f"out:{file_list(bad, 10)}"
        )
    if not dicts:
        raise ValueError(f"image folder {folder}: none of its {len(bad)} image files can be read")
    return dicts


def register_image_folder(
    name: str,
    folder: str,
    thing_classes: Sequence[str] = None,
    extensions: Sequence[str] = IMAGE_EXTENSIONS,
) -> str:
    """Register the images under `folder` as dataset `name` (idempotent for the same folder) and
    return `name`. The folder is listed now, so a missing or empty folder fails at registration;
    image sizes are read when the dataset is loaded. `thing_classes`: the class names of the
    labeled data it goes with (optional; kept as metadata)."""
    folder = os.path.abspath(folder)
    list_images(folder, extensions)  # fail early
    if name in DatasetCatalog.list():
        if MetadataCatalog.get(name).get("image_root", None) == folder:
            return name
        logger.warning(f"dataset '{name}' re-registered with the image folder {folder}")
        DatasetCatalog.remove(name)
        MetadataCatalog.remove(name)
    DatasetCatalog.register(name, lambda: load_image_folder(folder, extensions))
    meta = dict(image_root=folder, evaluator_type=None)
    if thing_classes is not None:
        meta["thing_classes"] = list(thing_classes)
    MetadataCatalog.get(name).set(**meta)
    return name
