"""Checking a config's datasets before iteration 0, in the catalog every method reads from.

`check_config_datasets(cfg)` finds the dataset names a config's loaders use, wraps each catalog
entry so that loading it (now, and whenever a loader loads it again) checks it:
- an annotation json that does not parse is an error naming the file and the position;
- every image (and segmentation mask) path must exist: missing ones are reported together (count,
  first 10 paths, the json or folder naming them) and training does not start (no decoding: one
  `os.path.exists` per path);
- boxes with zero area are dropped and boxes reaching outside the image clipped (dropped when
  nothing is left inside), with one warning per dataset giving the counts.
The loaded lists are handed to the next load of the same name, so the check costs one load.
"""

import json
import logging
import os
from typing import Dict, Iterable, List, Tuple

from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import BoxMode
from omegaconf import ListConfig

from .coco_io import DatasetFormatError, file_list

__all__ = [
    "DatasetCheckError",
    "dataset_names_in",
    "check_dataset_dicts",
    "install_dataset_checks",
    "check_config_datasets",
]

logger = logging.getLogger(__name__)

_MAX_LISTED = 10
_PATH_KEYS = ("file_name", "sem_seg_file_name")


class DatasetCheckError(DatasetFormatError, FileNotFoundError):
    """Images (or masks) referenced by a dataset are missing; the message lists them."""


def _source(name: str) -> str:
    """The json or folder behind a registered dataset, for messages."""
    meta = MetadataCatalog.get(name)
    for key in ("json_file", "image_root", "root", "dirname"):
        value = meta.get(key, None)
        if value:
            return str(value)
    return f"dataset '{name}'"


def dataset_names_in(node) -> List[str]:
    """Registered dataset names under `names=` / `dataset_name=` keys anywhere in a config node
    (loaders, evaluators), in first-seen order."""
    found: List[str] = []

    def visit(x):
        items = x.items() if hasattr(x, "items") else None
        if items is None:
            if _is_seq(x):
                for v in x:
                    visit(v)
            return
        for k, v in items:
            if k in ("names", "dataset_name", "dataset_names"):
                for n in [v] if isinstance(v, str) else (v if _is_seq(v) else []):
                    if isinstance(n, str) and n in DatasetCatalog.list() and n not in found:
                        found.append(n)
            else:
                visit(v)

    visit(node)
    return found


def _is_seq(v) -> bool:
    return isinstance(v, (list, tuple, ListConfig))


def _clean_boxes(dicts: List[dict]) -> Dict[str, int]:
    """Drop zero-area boxes, clip boxes to the image (drop what falls outside it); in place."""
    counts = {"zero_area": 0, "clipped": 0, "outside": 0}
    for d in dicts:
        annos = d.get("annotations")
        if not annos:
            continue
        h, w = d.get("height"), d.get("width")
        kept = []
        for a in annos:
            mode = a.get("bbox_mode")
            if "bbox" not in a or mode not in (BoxMode.XYWH_ABS, BoxMode.XYXY_ABS):
                kept.append(a)  # rotated / relative boxes: left to their mapper
                continue
            x0, y0, b2, b3 = a["bbox"]  # plain arithmetic: BoxMode.convert costs ~30 us a box
            x1, y1 = (x0 + b2, y0 + b3) if mode == BoxMode.XYWH_ABS else (b2, b3)
            if x1 - x0 <= 0 or y1 - y0 <= 0:
                counts["zero_area"] += 1
                continue
            if h and w:
                cx0, cy0 = min(max(x0, 0.0), w), min(max(y0, 0.0), h)
                cx1, cy1 = min(max(x1, 0.0), w), min(max(y1, 0.0), h)
                if cx1 - cx0 <= 0 or cy1 - cy0 <= 0:
                    counts["outside"] += 1
                    continue
                if (cx0, cy0, cx1, cy1) != (x0, y0, x1, y1):
                    counts["clipped"] += 1
                    a["bbox"] = (
                        [cx0, cy0, cx1 - cx0, cy1 - cy0]
                        if mode == BoxMode.XYWH_ABS
                        else [cx0, cy0, cx1, cy1]
                    )
            kept.append(a)
        d["annotations"] = kept
    return counts


def _missing_paths(dicts: Iterable[dict]) -> List[str]:
    missing = []
    for d in dicts:
        for key in _PATH_KEYS:
            path = d.get(key)
            if path and not os.path.exists(path):
                missing.append(path)
    return missing


def check_dataset_dicts(name: str, dicts: List[dict]) -> List[str]:
    """Clean the boxes of a loaded dataset (one warning with counts) and return its missing
    image / mask paths."""
    counts = _clean_boxes(dicts)
    if any(counts.values()):
        logger.warning(
            f"dataset '{name}' ({_source(name)}): dropped {counts['zero_area']} zero-area "
            f"box(es) and {counts['outside']} outside the image, clipped {counts['clipped']} "
            "to the image"
        )
    return _missing_paths(dicts)


def _missing_message(problems: Dict[str, List[str]]) -> str:
    lines = []
    for name, missing in problems.items():
        lines.append(
            f"dataset '{name}' ({_source(name)}): {len(missing)} missing file(s):"
            f"{file_list(missing, _MAX_LISTED)}"
        )
    return "images referenced by the datasets are missing:\n" + "\n".join(lines)


class _CheckedLoader:
    """A catalog entry that checks what the original loader returns. `prefetched` holds the list
    of the up-front check for the next caller (the loader built right after), once."""

    def __init__(self, name: str, load):
        self.name, self.load, self.prefetched = name, load, None

    def load_and_check(self) -> Tuple[List[dict], List[str]]:
        """(cleaned dicts, missing paths)."""
        try:
            dicts = self.load()
        except json.JSONDecodeError as e:
            raise DatasetFormatError(
                f"dataset '{self.name}': {_source(self.name)} is not valid JSON: {e.msg} at line "
                f"{e.lineno} column {e.colno} (char {e.pos})"
            ) from e
        return dicts, check_dataset_dicts(self.name, dicts)

    def load_checked(self) -> List[dict]:
        dicts, missing = self.load_and_check()
        if missing:
            raise DatasetCheckError(_missing_message({self.name: missing}))
        return dicts

    def __call__(self) -> List[dict]:
        if self.prefetched is not None:
            dicts, self.prefetched = self.prefetched, None
            return dicts
        return self.load_checked()


def install_dataset_checks(names: Iterable[str]) -> Dict[str, "_CheckedLoader"]:
    """Re-register each catalog entry as a checked one (idempotent). Returns {name: entry}."""
    entries = {}
    for name in names:
        load = DatasetCatalog[name]  # the registered function (DatasetCatalog is a dict)
        if not isinstance(load, _CheckedLoader):
            DatasetCatalog.remove(name)
            load = _CheckedLoader(name, load)
            DatasetCatalog.register(name, load)
        entries[name] = load
    return entries


def check_config_datasets(cfg, node_keys=("dataloader", "train")) -> List[str]:
    """Check every dataset the config's loaders and evaluators name, now (before the model and
    the loaders are built): all missing files of all datasets in one error. Returns the names."""
    names: List[str] = []
    for key in node_keys:
        if key in cfg:
            names += [n for n in dataset_names_in(cfg[key]) if n not in names]
    entries = install_dataset_checks(names)
    problems: Dict[str, List[str]] = {}
    for name, entry in entries.items():
        dicts, missing = entry.load_and_check()
        if missing:  # collect the missing files of every dataset before failing
            problems[name] = missing
        else:
            entry.prefetched = dicts
    if problems:
        raise DatasetCheckError(_missing_message(problems))
    return names
