"""Random draws inside a training step as a function of (seed, iteration, rank), so `--resume`
continues exactly: the loaders already resume by iteration (SeededBatchStream), but the model's
own draws (Detectron2's proposal / ROI sampling, Soft Teacher's box jitter, MIC's masks) use the
global RNGs, whose state a checkpoint does not hold."""

import random

import numpy as np
import torch
from detectron2.engine import HookBase
from detectron2.utils import comm

from ..utils import SharedOnCopy

__all__ = ["IterationSeedHook", "iteration_seed"]


def iteration_seed(seed: int, iteration: int, rank: int = 0) -> int:
    """A 32-bit seed for (seed, iteration, rank); different ranks draw differently."""
    return (seed * 1_000_003 + iteration * 7_919 + rank * 104_729) % 2**32


class IterationSeedHook(HookBase):
    """Right before every training forward, seed Python's, NumPy's and Torch's (CPU and CUDA)
    global RNGs from (`seed`, iteration, rank). At the forward, not at `before_step`: creating the
    loader iterators (at the first step, of a straight or of a resumed run) draws from the global
    RNG too. Registered by the entry point when `train.seed` >= 0."""

    def __init__(self, seed: int):
        self.seed = seed
        self._handle = None

    def before_step(self):
        # registered at the first step, after every hook's before_train (one may copy the model)
        if self._handle is None:
            self._handle = self.trainer.model.register_forward_pre_hook(
                SharedOnCopy(self._seed_step)
            )

    def after_train(self):
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def _seed_step(self, module, inputs):
        if not module.training:  # evaluation forwards keep their own draws
            return
        s = iteration_seed(self.seed, self.trainer.iter, comm.get_rank())
        random.seed(s)
        np.random.seed(s)
        torch.manual_seed(s)
