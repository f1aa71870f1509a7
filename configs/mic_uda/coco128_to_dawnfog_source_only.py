"""Source-only twin of coco128_to_dawnfog.py: the same detector, source loader, schedule and
target evaluation, trained on coco128 only (no teacher, no target images, no domain classifiers).
"""

from .coco128_to_dawnfog import dataloader, datasets, lr_multiplier, model, optimizer, train

model = model.student
del dataloader.unlabeled
train.trainer = None
train.hooks = []
train.output_dir = "./output/mic_uda/coco128_to_dawnfog_source_only"
