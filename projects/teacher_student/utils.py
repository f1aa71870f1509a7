"""Small helpers shared by the engine modules."""

from torch import nn
from torch.nn.parallel import DataParallel, DistributedDataParallel

__all__ = ["unwrap_model"]


def unwrap_model(model: nn.Module) -> nn.Module:
    """The module inside a (Distributed)DataParallel wrapper, else the model itself."""
    if isinstance(model, (DistributedDataParallel, DataParallel)):
        return model.module
    return model
