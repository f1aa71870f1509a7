"""Source-only twin of cityscapes_to_foggy.py: the same R50-FPN detector, source loader, schedule
and Foggy Cityscapes evaluation, trained on Cityscapes only (no teacher, no domain classifiers)."""

from .cityscapes_to_foggy import dataloader, datasets, lr_multiplier, model, optimizer, train

model = model.student
del dataloader.unlabeled
del datasets["target"]
train.trainer = None
train.hooks = []
train.output_dir = "./output/mic_uda/cityscapes_source_only"
