"""Supervised-only twin of demo_cpu.py: the same detector, labeled split (2 % of the demo train
set), augmentation, labeled batch and schedule, without the unlabeled images; `tools/demo.py`
trains it beside Soft Teacher so the main job prints both APs."""

from .demo_cpu import dataloader, datasets
from .demo_cpu import detector as model
from .demo_cpu import lr_multiplier, optimizer, train

del datasets["unlabeled"]
del dataloader.unlabeled
train.trainer = None  # Detectron2's SimpleTrainer
train.hooks = []
train.output_dir = "./output/soft_teacher/supervised_demo_cpu"
