"""Unreadable images met during training are skipped, not fatal.

- `SkipBadImages(mapper)`: an image that cannot be read or decoded (corrupt bytes, truncated file,
  deleted since the check) makes the mapper return None (warning naming the file, once per file);
  the loader then draws another sample (Detectron2's `MapDataset` and `SeededBatchStream` both
  do). The skipped files ride along with the next good sample (`"bad_images"`), so the count
  reaches the main process even from DataLoader workers. Test loaders (`skip=False`) raise an
  error naming the file instead: an evaluation must not change its image set silently.
- `wrap_config_mappers(cfg)`: puts every loader mapper of a config behind `SkipBadImages`.
- `BadImageMonitor(trainer.data_loader)`: collects them, logs `data/bad_images`, and past
  `max_bad_images` raises :class:`TooManyBadImages` listing them (the entry point then writes a
  checkpoint).

Truncated files are skipped, not loaded partly (PIL's `LOAD_TRUNCATED_IMAGES`): the missing rows
would be grey, and their objects trained as background (labeled) or missed by the teacher.
"""

import logging
from typing import Callable, Dict, Iterator, List

from detectron2.utils.events import get_event_storage
from detectron2.utils.registry import locate
from omegaconf import DictConfig

from ..stops import TooManyBadImages
from .coco_io import file_list

__all__ = [
    "BAD_IMAGES_KEY",
    "ImageReadError",
    "SkipBadImages",
    "skip_bad_images",
    "wrap_config_mappers",
    "BadImageMonitor",
]

logger = logging.getLogger(__name__)

BAD_IMAGES_KEY = "bad_images"
# PIL: UnidentifiedImageError and "image file is truncated" are OSErrors, a broken PNG chunk a
# SyntaxError; a file deleted after the up-front check a FileNotFoundError (OSError).
READ_ERRORS = (OSError, SyntaxError)


class ImageReadError(OSError):
    """An image of a test / evaluation set cannot be read; the message names the file."""


class SkipBadImages:
    """Wrap a dataset mapper (dataset dict -> model input dict); see the module docstring."""

    def __init__(self, mapper: Callable, skip: bool = True):
        self.mapper = mapper
        self.skip = skip
        self._warned = set()
        self._pending: List[str] = []  # skipped since the last good sample (this process)

    def __call__(self, dataset_dict: dict):
        file_name = dataset_dict.get("file_name", "?")
        try:
            out = self.mapper(dataset_dict)
        except READ_ERRORS as e:
            if not self.skip:
                raise ImageReadError(f"cannot read image {file_name}: {e}") from e
            if file_name not in self._warned:
                self._warned.add(file_name)
                logger.warning(f"skipping unreadable image {file_name}: {e}")
            self._pending.append(file_name)
            return None
        if self._pending and isinstance(out, dict):
            out[BAD_IMAGES_KEY], self._pending = self._pending, []
        return out


def skip_bad_images(target, skip: bool = True, **kwargs) -> SkipBadImages:
    """LazyCall target standing in for a mapper node: builds `target(**kwargs)` and wraps it (the
    node keeps its keys, so interpolations into it still resolve)."""
    mapper_cls = locate(target) if isinstance(target, str) else target
    return SkipBadImages(mapper_cls(**kwargs), skip=skip)


def _is_eval_loader(key: str) -> bool:
    return "test" in key or "val" in key


def wrap_config_mappers(cfg) -> List[str]:
    """Point each `cfg.dataloader.<loader>.mapper` LazyCall node at `skip_bad_images` (training
    loaders skip, test / val loaders name the file). Returns the wrapped loader keys."""
    wrapped = []
    loaders = cfg.get("dataloader", None) or {}
    for key in list(loaders.keys()):
        loader = loaders[key]
        if not isinstance(loader, (dict, DictConfig)):  # data keys: names, paths, class lists
            continue
        mapper = loader.get("mapper", None)
        if not isinstance(mapper, (dict, DictConfig)) or "_target_" not in mapper:
            continue
        if mapper._target_ in (skip_bad_images, _TARGET_NAME):
            continue
        mapper.target = mapper._target_
        mapper.skip = not _is_eval_loader(key)
        mapper._target_ = skip_bad_images
        wrapped.append(key)
    return wrapped


_TARGET_NAME = f"{__name__}.skip_bad_images"


def _batch_dicts(batch) -> Iterator[dict]:
    """The sample dicts of a batch: a list of dicts or a dict of such lists (PairedBatches)."""
    if isinstance(batch, dict) and BAD_IMAGES_KEY not in batch and "file_name" not in batch:
        for part in batch.values():
            yield from _batch_dicts(part)
    elif isinstance(batch, (list, tuple)):
        for d in batch:
            if isinstance(d, dict):
                yield d
    elif isinstance(batch, dict):
        yield batch


class BadImageMonitor:
    """Iterable over a trainer's batches that collects the images its mappers skipped, logs their
    number as `data/bad_images` and raises :class:`TooManyBadImages` past `max_bad_images`.
    Attributes of the wrapped loader (`dataset`, `start_at_iteration`) pass through."""

    def __init__(self, loader, max_bad_images: int = 100):
        self.loader = loader
        self.max_bad_images = max_bad_images
        self.bad: Dict[str, None] = {}  # ordered set of file names

    def __getattr__(self, name):
        if name == "loader":  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.loader, name)

    def __iter__(self):
        for batch in self.loader:
            for d in _batch_dicts(batch):
                for f in d.pop(BAD_IMAGES_KEY, ()):
                    self.bad[f] = None
            get_event_storage().put_scalar("data/bad_images", len(self.bad), smoothing_hint=False)
            if len(self.bad) > self.max_bad_images:
                names = list(self.bad)
                raise TooManyBadImages(
                    f"{len(names)} unreadable images skipped, more than train.max_bad_images="
                    f"{self.max_bad_images}; training stopped (checkpoint written). Fix or remove "
                    f"them from the dataset:{file_list(names, 20)}"
                )
            yield batch
