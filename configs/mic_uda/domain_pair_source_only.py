"""Source-only twin of domain_pair.py: the same detector, source loader, schedule and target
evaluation, trained on the source only (no teacher, no target images, no domain classifiers)."""

from .domain_pair import dataloader, datasets, lr_multiplier, model, optimizer, train

model = model.student
del dataloader.unlabeled
train.trainer = None
train.hooks = []
train.output_dir = "./output/mic_uda/domain_pair_source_only"
