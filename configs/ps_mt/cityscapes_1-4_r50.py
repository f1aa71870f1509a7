"""PS-MT, Cityscapes, 744 labels (1/4), DeepLabv3+ R-50, 450 epochs (cityscapes_1-8_r50.py
otherwise)."""

from .common.partitions import cityscapes_partition

datasets, dataloader, model, optimizer, lr_multiplier, train = cityscapes_partition(
    "1/4", epochs=450
)
