"""PS-MT, VOC 2012 aug, 662 labels (1/16), DeepLabv3+ R50, 80 epochs (voc_1-8_r50.py otherwise)."""

from .common.partitions import voc_partition

datasets, dataloader, model, optimizer, lr_multiplier, train = voc_partition("1/16", epochs=80)
