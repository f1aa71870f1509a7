"""Supervised-only twin of bccd_10pct.py: the same detector, labeled split, augmentation,
labeled batch and schedule, without the unlabeled images (the accuracy benchmark's baseline)."""

from .bccd_10pct import dataloader, datasets
from .bccd_10pct import detector as model
from .bccd_10pct import lr_multiplier, optimizer, train

del datasets["unlabeled"]
del dataloader.unlabeled
train.trainer = None  # Detectron2's SimpleTrainer
train.hooks = []
train.output_dir = "./output/soft_teacher/supervised_bccd_10pct"
