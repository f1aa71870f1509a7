"""Shared pieces of the pretraining configs: optimizers, schedules, the export hook."""

import torch
from detectron2.config import LazyCall as L
from detectron2.solver import WarmupParamScheduler
from detectron2.solver.build import get_default_optimizer_params
from fvcore.common.param_scheduler import CosineParamScheduler

from labeleff.projects.pretrain import ExportBackboneHook

# FloW write-up (muyuuuu/Self-Supervise-Object-Detection, tools/cls_center.py and ssl.py):
# Adam, lr 1e-3, weight decay 5e-4, cosine annealing.
Adam = L(torch.optim.Adam)(
    params=L(get_default_optimizer_params)(weight_decay_norm=0.0),
    lr=1e-3,
    weight_decay=5e-4,
)


def cosine(warmup_iters: int, max_iter: int):
    """Linear warm-up then cosine decay to 0 (the write-up restarts its cosine; we do not)."""
    return L(WarmupParamScheduler)(
        scheduler=L(CosineParamScheduler)(start_value=1.0, end_value=0.0),
        warmup_length=warmup_iters / max_iter,
        warmup_factor=0.001,
    )


def export_hook(
    prefix: str = "backbone.bottom_up.",
    name: str = "backbone_export.pth",
    drop_num_batches_tracked: bool = False,
):
    """Hook node writing `<train.output_dir>/<name>` at the end of training: the backbone keyed
    `prefix + key` (FPN detectors: backbone.bottom_up.; RefineDet: backbone.).
    drop_num_batches_tracked: for FrozenBN detectors (their BN layers have no such buffer)."""
    return L(ExportBackboneHook)(
        out_path="${...output_dir}/" + name,
        prefix=prefix,
        drop_num_batches_tracked=drop_num_batches_tracked,
    )
