"""PS-MT, Cityscapes, 1488 labels (1/2), DeepLabv3+ R-50, 550 epochs (cityscapes_1-8_r50.py
otherwise)."""

from .common.partitions import cityscapes_partition

datasets, dataloader, model, optimizer, lr_multiplier, train = cityscapes_partition(
    "1/2", epochs=550
)
