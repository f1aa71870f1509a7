"""Forward passes that use batch statistics in BN layers without updating their running ones."""

import contextlib
from typing import Iterator

from torch import nn

__all__ = ["running_stats_frozen"]


@contextlib.contextmanager
def running_stats_frozen(module: nn.Module) -> Iterator[nn.Module]:
    """Within the block, every `_BatchNorm` of `module` (BN, SyncBN) in training mode normalises
    with the batch's statistics, as in training, but leaves `running_mean`, `running_var` and
    `num_batches_tracked` as they are: PyTorch neither reads nor writes running statistics of a
    training-mode BN whose `track_running_stats` is False. Restored on exit, also on error.

    Used for the student's forward on unlabeled (strong / masked) views, whose statistics differ
    from the images it is evaluated on.
    """
    changed = [
        m
        for m in module.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats
    ]
    for m in changed:
        m.track_running_stats = False
    try:
        yield module
    finally:
        for m in changed:
            m.track_running_stats = True
