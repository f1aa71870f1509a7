"""Supervised-only twin of folder_split.py: the same student, labeled part, optimizer, schedule
and iterations, without teachers or the unlabeled part."""

from .folder_split import dataloader, datasets, lr_multiplier
from .folder_split import model as _ps_mt
from .folder_split import optimizer, train

del datasets["unlabeled"]
model = _ps_mt.student
train.trainer = None  # Detectron2's SimpleTrainer
train.hooks = []
train.output_dir = "./output/ps_mt/folder_split_supervised"
