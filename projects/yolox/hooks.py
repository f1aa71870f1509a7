"""Training hooks of the YOLOX recipe: switch mosaic/mixup off and L1 on for the last epochs, and a
minimal EMA of the weights used for evaluation."""

import copy
import logging
import math

import torch
from detectron2.engine import HookBase

from labeleff.utils import unwrap_model

from .data.mosaic import MosaicMixupDataset

logger = logging.getLogger(__name__)


def find_mosaic_dataset(data_loader):
    """The `MosaicMixupDataset` under a Detectron2 train loader (following `.dataset`/`._dataset`:
    AspectRatioGroupedDataset -> DataLoader -> ToIterableDataset -> MapDataset -> ...)."""
    node, seen = data_loader, 0
    while node is not None and seen < 16:
        if isinstance(node, MosaicMixupDataset):
            return node
        node, seen = getattr(node, "dataset", getattr(node, "_dataset", None)), seen + 1
    raise ValueError(
        "NoAugSwitchHook: no MosaicMixupDataset found under trainer.data_loader "
        "(following .dataset / ._dataset); wrap the train dataset dicts in MosaicMixupDataset"
    )


class NoAugSwitchHook(HookBase):
    """For the last `no_aug_iters` iterations (official: 15 epochs): mosaic and mixup off, L1 loss
    on (`model.use_l1`). The data loader is re-created so worker processes see the change."""

    def __init__(self, no_aug_iters: int):
        self.no_aug_iters = no_aug_iters
        self.switched = False

    def _switch(self):
        find_mosaic_dataset(self.trainer.data_loader).set_mosaic(False)
        loader = self.trainer.data_loader
        self.trainer.reset_data_loader(lambda: loader)
        unwrap_model(self.trainer.model).use_l1 = True
        self.switched = True
        logger.info(f"Iteration {self.trainer.iter}: mosaic/mixup off, L1 loss on")

    def before_step(self):
        if not self.switched and self.trainer.iter >= self.trainer.max_iter - self.no_aug_iters:
            self._switch()


class ModelEMAHook(HookBase):
    """Exponential moving average of all floating-point weights and buffers, as official YOLOX's
    ModelEMA: decay_t = decay * (1 - exp(-t / tau)) after update t. The EMA copy is attached to
    the model (`attach_evaluation_model("ema", ...)`) so evaluation uses it, and saved in the
    trainer checkpoint (hook state)."""

    def __init__(self, decay: float = 0.9998, tau: float = 2000.0):
        self.decay, self.tau = decay, tau
        self.updates = 0
        self.ema = None

    def _ensure_ema(self):
        if self.ema is None:
            model = unwrap_model(self.trainer.model)
            self.ema = copy.deepcopy(model).eval()
            for p in self.ema.parameters():
                p.requires_grad_(False)
            model.attach_evaluation_model("ema", self.ema)

    def before_train(self):
        self._ensure_ema()

    @torch.no_grad()
    def after_step(self):
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / self.tau))
        model_state = unwrap_model(self.trainer.model).state_dict()
        for name, value in self.ema.state_dict().items():
            if value.dtype.is_floating_point:
                value.mul_(d).add_(model_state[name].detach(), alpha=1 - d)

    def state_dict(self):
        return {} if self.ema is None else {"updates": self.updates, "ema": self.ema.state_dict()}

    def load_state_dict(self, state_dict):
        self._ensure_ema()
        self.updates = state_dict["updates"]
        self.ema.load_state_dict(state_dict["ema"])
