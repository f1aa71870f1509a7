"""Supervised-only twin of camvid_1-8.py: the same student, labeled loader, optimizer, schedule
and iterations, without teachers or unlabeled data."""

from .common.camvid import dataloader, datasets, lr_multiplier
from .common.camvid import model as _ps_mt
from .common.camvid import optimizer, train

del datasets["unlabeled"]
model = _ps_mt.student
train.trainer = None  # Detectron2's SimpleTrainer
train.hooks = []
train.output_dir = "./output/ps_mt_camvid_1-8_supervised"
