"""PS-MT, VOC 2012 aug, 5291 labels (1/2), DeepLabv3+ R101, 300 epochs (voc_1-8_r50.py
otherwise)."""

from .common.partitions import voc_partition

datasets, dataloader, model, optimizer, lr_multiplier, train = voc_partition(
    "1/2", epochs=300, depth=101
)
