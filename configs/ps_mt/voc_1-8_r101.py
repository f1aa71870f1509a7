"""PS-MT, VOC 2012 aug, 1323 labels (1/8), DeepLabv3+ R101, 80 epochs (voc_1-8_r50.py otherwise)."""

from .common.partitions import voc_partition

datasets, dataloader, model, optimizer, lr_multiplier, train = voc_partition(
    "1/8", epochs=80, depth=101
)
