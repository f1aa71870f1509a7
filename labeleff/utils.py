"""The project's two small shared helpers: unwrapping a parallel-wrapped model, and writing a file
atomically. Every module uses these (one copy each)."""

import os
import tempfile
from typing import Callable

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DataParallel, DistributedDataParallel

__all__ = ["unwrap_model", "atomic_write", "SharedOnCopy", "max_over_ranks"]


def unwrap_model(model: nn.Module) -> nn.Module:
    """The module inside a (Distributed)DataParallel wrapper, else the model itself (never strip
    "module." prefixes by hand)."""
    if isinstance(model, (DistributedDataParallel, DataParallel)):
        return model.module
    return model


def atomic_write(path: str, write_fn: Callable, mode: str = "wb") -> str:
    """Write through `write_fn(f)` into a temp file beside `path` (folder made), fsync, then rename
    over `path`: readers, other ranks writing the same file, or a crash mid-write never see a
    partial file, and the previous file stays intact until the rename. Returns `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode) as f:
            write_fn(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


class SharedOnCopy:
    """A callable (a module hook of the trainer) that `copy.deepcopy(module)` shares instead of
    copying: hooks refer to the trainer, which holds loaders and open files, and some hooks copy
    the model (an EMA model). Calls `fn`."""

    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __deepcopy__(self, memo):
        return self


def max_over_ranks(value: float) -> float:
    """The largest `value` over all processes (itself in a single-process run). A collective:
    every rank must call it at the same point."""
    if not dist.is_available() or not dist.is_initialized() or dist.get_world_size() == 1:
        return value
    on_gpu = dist.get_backend() == "nccl"  # NCCL reduces CUDA tensors only, GLOO CPU ones
    device = torch.device("cuda", torch.cuda.current_device()) if on_gpu else "cpu"
    t = torch.tensor([float(value)], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return t.item()
