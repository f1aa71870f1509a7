"""Supervised-only baseline of coco_10pct.py (see supervised_coco_1pct.py)."""

from .supervised_coco_1pct import dataloader, datasets, lr_multiplier, model, optimizer, train

dataloader.percent = 10  # % of train2017 labeled
train.output_dir = "./output/soft_teacher/supervised_coco_10pct"
