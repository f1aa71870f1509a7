"""Infinite, distributed, resumable train loader: the batch at iteration i is a function of
(seed, rank, i) only, so a resumed run sees the batches of a straight run.

Indices follow one seeded stream of epoch permutations shared by all ranks (rank r takes
positions r, r + world, ...), so every image is used once per epoch and none is dropped. Each
sample is mapped with the Python/NumPy/Torch RNGs seeded from its stream position, which makes the
random augmentations independent of worker count and of where training (re)started.
"""

import contextlib
import copy
import random
from typing import Callable, Iterator, List, Optional, Sequence

import numpy as np
import torch
from detectron2.utils import comm
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

__all__ = ["SeededBatchStream", "build_semi_supervised_train_loader"]

_MAX_REPLACEMENTS = 50  # samples tried in place of one whose mapper returned None


@contextlib.contextmanager
def _seeded_rng(seed: int):
    """Seed Python, NumPy and Torch RNGs for the block, then restore their states."""
    states = random.getstate(), np.random.get_state(), torch.random.get_rng_state()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.random.set_rng_state(states[2])


class SeededBatchStream(IterableDataset):
    """
    Yields lists of `batch_size` mapped dataset dicts for this rank, forever. With DataLoader
    workers, worker k produces batches k, k + num_workers, ... (the DataLoader interleaves them
    back in order).
    """

    def __init__(
        self,
        dataset: Sequence,
        mapper: Callable,
        batch_size: int,
        seed: int,
        shuffle: bool = True,
        rank: int = 0,
        world_size: int = 1,
    ):
        self.dataset = dataset
        self.mapper = mapper
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.rank = rank
        self.world_size = world_size
        self.start_batch = 0
        self._perm_cache = (-1, [])

    def start_at_iteration(self, iteration: int):
        """The next iterator starts with the batch of `iteration` (called before iter())."""
        self.start_batch = iteration

    def _epoch_perm(self, epoch: int) -> List[int]:
        """Dataset indices in the order of `epoch` (cached: consecutive batches share epochs)."""
        if self._perm_cache[0] != epoch:
            n = len(self.dataset)
            if self.shuffle:
                g = torch.Generator()
                g.manual_seed(self.seed + epoch)
                perm = torch.randperm(n, generator=g).tolist()
            else:
                perm = list(range(n))
            self._perm_cache = (epoch, perm)
        return self._perm_cache[1]

    def batch(self, batch_index: int) -> List[dict]:
        """The mapped batch number `batch_index` of this rank."""
        n = len(self.dataset)
        out = []
        for local in range(batch_index * self.batch_size, (batch_index + 1) * self.batch_size):
            position = local * self.world_size + self.rank
            epoch, offset = divmod(position, n)
            out.append(self._map(self._epoch_perm(epoch)[offset], position))
        return out

    def _map(self, index: int, position: int):
        """Map the sample at stream `position`; a mapper returning None (an unreadable image, see
        labeleff.data.bad_images) is replaced by another sample drawn from (seed, position), so a
        resumed run still sees the batches of a straight run."""
        for attempt in range(_MAX_REPLACEMENTS + 1):
            if attempt:
                index = random.Random(hash((self.seed, position, attempt))).randrange(
                    len(self.dataset)
                )
            item = copy.deepcopy(self.dataset[index])
            with _seeded_rng((self.seed * 1_000_003 + position + attempt * 7_919) % 2**32):
                mapped = self.mapper(item)
            if mapped is not None:
                return mapped
        raise RuntimeError(
            f"SeededBatchStream: {_MAX_REPLACEMENTS + 1} samples in a row could not be mapped "
            "(unreadable images? see the warnings above)"
        )

    def __iter__(self) -> Iterator[List[dict]]:
        info = get_worker_info()
        worker, num_workers = (info.id, info.num_workers) if info is not None else (0, 1)
        batch_index = self.start_batch + worker
        while True:
            yield self.batch(batch_index)
            batch_index += num_workers


def _as_list(batch):
    return batch


def build_semi_supervised_train_loader(
    dataset: Sequence,
    mapper: Callable,
    total_batch_size: int,
    seed: Optional[int] = None,
    num_workers: int = 0,
    shuffle: bool = True,
) -> DataLoader:
    """
    Args:
        dataset: list of Detectron2 dataset dicts (e.g. `get_detection_dataset_dicts(names,
            filter_empty=False)` for unlabeled images).
        mapper: dataset dict -> model input dict (`DatasetMapper`, `MultiViewDatasetMapper`).
        total_batch_size: images per step over all ranks (divisible by the world size).
        seed: stream seed; None: a random seed shared by all ranks.
        num_workers: DataLoader worker processes.

    Returns:
        a DataLoader yielding list[dict] of total_batch_size / world_size items forever.
    """
    if len(dataset) == 0:
        raise ValueError(
            "build_semi_supervised_train_loader: the dataset is empty (0 images); check the "
            "dataset names / split file given to this loader"
        )
    world = comm.get_world_size()
    if total_batch_size <= 0 or total_batch_size % world != 0:
        raise ValueError(
            f"build_semi_supervised_train_loader: total_batch_size {total_batch_size} must be a "
            f"positive multiple of the world size {world}"
        )
    if seed is None:
        seed = comm.shared_random_seed()
    stream = SeededBatchStream(
        dataset, mapper, total_batch_size // world, seed, shuffle, comm.get_rank(), world
    )
    return DataLoader(
        stream,
        batch_size=None,
        num_workers=num_workers,
        collate_fn=_as_list,
        persistent_workers=False,
    )
